package queue

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"sync"
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

// The order that makes a crash safe: a commit never references a body
// whose bytes were not fdatasync'd before it. The segment syncs record how
// far each file was durable; just before each commit the test snapshots
// that; once an enqueue returns (its commit done; one enqueuer, so that
// commit is the last one), its body must end within the snapshot — not
// merely within a sync that ran after the commit.
func TestSegmentSyncedBeforeItsCommit(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{SegmentThreshold: 1024, SegmentSize: 64 << 10})
	var mu sync.Mutex
	durable := map[uint32]int64{} // segment → bytes durable
	var atCommit map[uint32]int64
	commits := 0
	s.segs.syncFn = func(f *os.File) error {
		if err := fdatasync(f); err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		num, ok := parseSegName(filepath.Base(f.Name()))
		if !ok {
			return errors.New("not a segment file: " + f.Name())
		}
		mu.Lock()
		durable[num] = max(durable[num], fi.Size())
		mu.Unlock()
		return nil
	}
	s.beforeCommit = func() {
		mu.Lock()
		atCommit = maps.Clone(durable)
		commits++
		mu.Unlock()
	}
	segs := map[uint32]bool{}
	for i := 0; i < 120; i++ {
		id := enqueueBody(t, s, clk, sized(1500+i*97), "a@x.example")
		ref := refOf(t, s, id)
		segs[ref.Seg] = true
		mu.Lock()
		d, n := atCommit[ref.Seg], commits
		mu.Unlock()
		if end := int64(ref.Off) + int64(ref.Len); d < end {
			t.Fatalf("message %d: its commit (#%d) referenced segment %d up to byte %d, durable only up to %d then",
				i, n, ref.Seg, end, d)
		}
	}
	if len(segs) < 2 {
		t.Fatalf("the bodies went to %d segment(s): the test wants the roll to a new one covered", len(segs))
	}
}
