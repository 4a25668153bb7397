package queue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// eraseAddr erases one address of tenant acme.
func eraseAddr(t testing.TB, s *Store, addr string) (Erasure, error) {
	t.Helper()
	ctx := context.Background()
	sub, err := s.FindSubject(ctx, "acme", addr)
	if err != nil {
		t.Fatal(err)
	}
	return s.EraseSubject(ctx, sub)
}

// toZero counts the erased bodies recorded but not zeroed yet.
func toZero(t testing.TB, s *Store) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketToZero).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// An erasure whose transaction rolls back (something after the removal
// fails in it) leaves the bodies it would have removed intact: nothing is
// zeroed before the commit.
func TestEraseRollbackKeepsBodies(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	ann := enqueueBody(t, s, clk, sized(60<<10), "ann@x.example")
	s.eraseFails = func() error { return errors.New("later in the transaction") }
	if _, err := eraseAddr(t, s, "ann@x.example"); err == nil {
		t.Fatal("the failed erasure succeeded")
	}
	if got, err := s.Body(ann); err != nil || !bytes.Equal(got, segBody(ann, 60<<10)) {
		t.Fatalf("a body still queued after a rolled-back erasure: %v", err)
	}
	if n := toZero(t, s); n != 0 {
		t.Fatalf("%d bodies recorded to zero after a rollback", n)
	}
	s.eraseFails = nil
	if e, err := eraseAddr(t, s, "ann@x.example"); err != nil || e.Messages != 1 {
		t.Fatalf("erase: %+v, %v", e, err)
	}
}

// An erasure fdatasyncs each segment it zeroed once (not once per
// message), and leaves nothing recorded to zero.
func TestEraseSyncsEachSegmentOnce(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	var ids []ID
	for range 4 {
		ids = append(ids, enqueueBody(t, s, clk, sized(40<<10), "ann@x.example"))
	}
	var syncs atomic.Int32
	s.segs.syncFn = func(f *os.File) error { syncs.Add(1); return fdatasync(f) }
	if e, err := eraseAddr(t, s, "ann@x.example"); err != nil || e.Messages != 4 {
		t.Fatalf("erase: %+v, %v", e, err)
	}
	if n := syncs.Load(); n != 1 {
		t.Fatalf("%d segment syncs for an erasure of 4 bodies in one segment, want 1", n)
	}
	if n := toZero(t, s); n != 0 {
		t.Fatalf("%d bodies still recorded to zero", n)
	}
	raw, err := os.ReadFile(filepath.Join(segDir(path), "seg-00000000"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(raw[:4*40<<10], []byte{0}) != 4*40<<10 {
		t.Fatal("the erased bodies are not all zero")
	}
	for _, id := range ids {
		if _, err := s.Body(id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an erased body: %v", err)
		}
	}
}

// A crash after an erasure's commit and before its zeroing: Open zeroes
// the recorded bodies, and the others are untouched.
func TestOpenFinishesZeroing(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	enqueueBody(t, s, clk, sized(60<<10), "ann@x.example")
	bob := enqueueBody(t, s, clk, sized(60<<10), "bob@y.example")
	s.crashAfterErase = true
	if e, err := eraseAddr(t, s, "ann@x.example"); err != nil || e.Messages != 1 {
		t.Fatalf("erase: %+v, %v", e, err)
	}
	if n := toZero(t, s); n != 1 {
		t.Fatalf("%d bodies recorded to zero, want 1", n)
	}
	s.Close()
	raw := func() []byte {
		b, err := os.ReadFile(filepath.Join(segDir(path), "seg-00000000"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if bytes.Count(raw()[:60<<10], []byte{0}) == 60<<10 {
		t.Fatal("the test's crash zeroed the body already")
	}
	s = openStore(t, path, clk, Options{})
	seg := raw()
	if bytes.Count(seg[:60<<10], []byte{0}) != 60<<10 {
		t.Fatal("Open left an erased body's bytes in the segment")
	}
	if !bytes.Equal(seg[60<<10:120<<10], segBody(bob, 60<<10)) {
		t.Fatal("another message's body changed")
	}
	if got, err := s.Body(bob); err != nil || !bytes.Equal(got, segBody(bob, 60<<10)) {
		t.Fatalf("another body: %v", err)
	}
	if n := toZero(t, s); n != 0 {
		t.Fatalf("%d bodies still recorded to zero after Open", n)
	}
}
