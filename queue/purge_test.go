package queue

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestRunDirectoryPurge: the loop purges at once by the store's clock,
// clears a backlog larger than one batch in its first pass, keeps entries
// younger than the retention, purges them on a later tick once they
// expire, and returns nil when its context ends.
func TestRunDirectoryPurge(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	old := enqueue(t, s, clk, "a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example")
	clk.Add(48 * time.Hour)
	young := enqueue(t, s, clk, "f@x.example")
	clk.Add(time.Hour)

	// A batch of 2 for 5 expired entries, and no tick within the test:
	// the first pass alone must loop until the backlog is gone.
	run := func(p DirectoryPurge) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.RunDirectoryPurge(ctx, p) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("RunDirectoryPurge = %v, want nil after cancel", err)
			}
		}
	}
	stop := run(DirectoryPurge{Retention: 24 * time.Hour, Every: time.Hour, Batch: 2})
	waitUntil(t, func() bool {
		for i := range uint32(5) {
			if _, ok := s.LookupRecipient(old, i); ok {
				return false
			}
		}
		return true
	})
	stop()
	if _, ok := s.LookupRecipient(young, 0); !ok {
		t.Fatal("an entry younger than the retention was purged")
	}
	// Started before it expires, the loop purges it on a later tick.
	stop = run(DirectoryPurge{Retention: 24 * time.Hour, Every: 5 * time.Millisecond, Batch: 2})
	defer stop()
	clk.Add(24 * time.Hour)
	waitUntil(t, func() bool { _, ok := s.LookupRecipient(young, 0); return !ok })
}

// waitUntil polls cond (a background loop's effect) for up to 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
