package events

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestReopenAfterCleanCloseDoesNotScaleWithSize: reopening a store of
// 500,000 events after a clean Close costs about what reopening an empty
// one does, because Close writes bbolt's freelist (syncFreelist); before,
// Open walked every page to rebuild it (about 20× the empty store here).
// Only a ratio is asserted (fastest of alternating rounds), never a
// duration: the machine is shared.
func TestReopenAfterCleanCloseDoesNotScaleWithSize(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 500,000 events")
	}
	dir := t.TempDir()
	c := &testClock{t: t0}
	opts := Options{Now: c.Now, NoSync: true, QueueSize: 1 << 16, Retention: -1}
	empty, big := filepath.Join(dir, "empty.db"), filepath.Join(dir, "big.db")
	for _, f := range []struct {
		path string
		n    int
	}{{empty, 0}, {big, 500000}} {
		s, err := Open(f.path, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range f.n {
			record(t, s, Event{Kind: KindDelivered, Tenant: "acme", Message: msgID(t0, i)})
			if i%50000 == 49999 {
				flush(t, s)
			}
		}
		flush(t, s)
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	reopen := func(path string) time.Duration {
		t.Helper()
		start := time.Now()
		s, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		return took
	}
	var te, tb []time.Duration
	for range 7 {
		te = append(te, reopen(empty))
		tb = append(tb, reopen(big))
	}
	e, b := slices.Min(te), slices.Min(tb)
	ratio := float64(b) / float64(e)
	t.Logf("reopen: empty %v, 500,000 events %v (fastest of 7): ratio %.2f", e, b, ratio)
	if ratio > 5 {
		t.Errorf("reopening 500,000 events took %.1f× an empty store's time (%v vs %v): start-up scales with size", ratio, b, e)
	}
}
