package queue

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// refOf returns message id's body reference.
func refOf(t testing.TB, s *Store, id ID) bodyRef {
	t.Helper()
	var ref bodyRef
	var isRef bool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		_, ref, isRef, err = bodyIn(tx, id)
		return err
	})
	if err != nil || !isRef {
		t.Fatalf("body reference of %s: %v (in a segment: %v)", id, err, isRef)
	}
	return ref
}

// After an fdatasync of a segment fails, no write whose body is in that
// segment commits, even one synced in a later group (when a second
// fdatasync would succeed without the lost pages), and new bodies go to
// a fresh segment.
func TestSegmentSyncFailureBreaksSegment(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	first := enqueueBody(t, s, clk, sized(40<<10), "a@x.example")
	var fail atomic.Bool
	s.segs.syncFn = func(f *os.File) error {
		if fail.Load() {
			return syscall.EIO
		}
		return fdatasync(f)
	}
	// A body appended before the failure whose write reaches the syncer
	// only after it.
	early, _, err := s.segs.append(segBody(1, 40<<10))
	if err != nil {
		t.Fatal(err)
	}
	defer s.segs.done(early)
	fail.Store(true)
	id := s.NewID()
	m := &Message{ID: id, Tenant: "acme", From: "news@acme.example", Rcpts: []string{"b@x.example"},
		Created: clk.Now(), Body: segBody(id, 40<<10)}
	if err := s.Enqueue(t.Context(), m); err == nil {
		t.Fatal("an enqueue whose segment failed its fdatasync succeeded")
	}
	fail.Store(false) // the next fdatasync "works": Linux reported the error once
	req := &writeReq{segs: []*segFile{early}, res: make(chan error, 1)}
	if kept := s.syncSegments([]*writeReq{req}); len(kept) != 0 {
		t.Fatal("a write whose segment failed an earlier fdatasync goes on to commit")
	}
	if err := <-req.res; err == nil {
		t.Fatal("the refused write is answered without an error")
	}
	later := enqueueBody(t, s, clk, sized(40<<10), "c@x.example")
	if r := refOf(t, s, later); r.Seg == early.num {
		t.Fatalf("a new body went into the broken segment %d", r.Seg)
	}
	for _, id := range []ID{first, later} {
		if got, err := s.Body(id); err != nil || !bytes.Equal(got, segBody(id, 40<<10)) {
			t.Fatalf("body %s: %v", id, err)
		}
	}
	if _, err := s.Body(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the failed enqueue's body: %v", err)
	}
}
