package queue

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A lazy write (outcomes, journal acks) waits for a write someone waits on
// and commits with it: one commit instead of two.
func TestLazyWriteRidesOnTheNextCommit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var batches []int
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{
		lazyWait: time.Hour, // only company ends the wait
		Observe: func(_ time.Duration, n int, _ error) {
			mu.Lock()
			batches = append(batches, n)
			mu.Unlock()
		},
	})
	ctx := context.Background()
	lazyDone := make(chan error, 1)
	go func() { lazyDone <- s.writeLazy(ctx, func(*bolt.Tx) error { return nil }, nil) }()
	// Wait until the writer holds the lazy write (its queue is empty).
	for i := 0; len(s.reqs) > 0 || !s.holdsLazy(); i++ {
		if i > 5000 {
			t.Fatal("the lazy write never reached the writer")
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	if len(batches) != 0 {
		t.Fatalf("commits before company came: %v", batches)
	}
	mu.Unlock()
	enqueue(t, s, clk, "a@example.test")
	if err := <-lazyDone; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(batches) != 1 || batches[0] != 2 {
		t.Fatalf("commits %v, want one of both writes", batches)
	}
}

// Alone, a lazy write still commits, after lazyWait.
func TestLazyWriteAloneCommits(t *testing.T) {
	t.Parallel()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), newClock(), Options{lazyWait: 5 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		done <- s.writeLazy(context.Background(), func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put([]byte("lazy-test"), []byte{1})
		}, nil)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a lazy write alone never committed")
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get([]byte("lazy-test")) == nil {
			t.Error("the lazy write is not in the spool")
		}
		return nil
	})
}

func (s *Store) holdsLazy() bool { return s.lazyHeld.Load() }
