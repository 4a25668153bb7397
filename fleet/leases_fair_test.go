package fleet

import (
	"testing"
	"time"

	"sluice/fleet/redistest"
)

// TestLeasesFreedSlotGoesToTheWaitingNode: a node refused a slot is
// marked waiting, and a slot freed by a node holding more is refused to
// that node until the waiting one took it; a waiting node that stops
// asking lapses (wait), and the slot is anyone's again. The node ids
// contain '-', as ids may: the holdings are counted per node all the same.
func TestLeasesFreedSlotGoesToTheWaitingNode(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	const key, limit = "10.0.0.3|outlook", 2
	busy := client(t, srv, "node-a").Leases(time.Minute)
	starved := client(t, srv, "node-b-2").Leases(time.Minute)
	busy.wait, starved.wait = 300*time.Millisecond, 300*time.Millisecond
	acquire := func(l *Leases) (*Lease, bool) {
		t.Helper()
		ls, ok, err := l.Acquire(t.Context(), key, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ls, ok
	}
	first, _ := acquire(busy)
	if _, ok := acquire(busy); !ok {
		t.Fatal("busy node: second slot of two refused with no one waiting")
	}
	if _, ok := acquire(starved); ok {
		t.Fatal("a third slot of two was granted")
	}
	first.Release(t.Context())
	if _, ok := acquire(busy); ok {
		t.Fatal("the busy node (1 slot) took back the slot it freed while a node holding none waited")
	}
	if _, ok := acquire(starved); !ok {
		t.Fatal("the waiting node was refused the freed slot")
	}

	// Full at 1 each: the busy node is marked waiting, holding 1. It
	// gives the waiting node no precedence over a node holding none.
	if _, ok := acquire(busy); ok {
		t.Fatal("a third slot of two was granted")
	}
	only := held(starved)[0]
	only.Release(t.Context())
	if _, ok := acquire(starved); !ok {
		t.Fatal("a node holding no slot was refused one for a waiting node holding one")
	}
}

// TestLeasesWaitingMarkLapses: a node that was refused and stopped asking
// (its mail went elsewhere, or it died) holds a freed slot back from the
// others only for Leases.wait after its last refusal.
func TestLeasesWaitingMarkLapses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	const key, limit = "10.0.0.4|yahoo", 2
	busy := client(t, srv, "a").Leases(time.Minute)
	gone := client(t, srv, "b").Leases(time.Minute)
	busy.wait, gone.wait = 300*time.Millisecond, 300*time.Millisecond
	for range limit {
		if _, ok, err := busy.Acquire(t.Context(), key, limit); !ok || err != nil {
			t.Fatalf("busy node's acquire: %v %v", ok, err)
		}
	}
	if _, ok, _ := gone.Acquire(t.Context(), key, limit); ok {
		t.Fatal("a third slot of two was granted")
	}
	refused := time.Now()
	held(busy)[0].Release(t.Context())
	took := waitFor(t, 5*time.Second, "the freed slot, once the waiting mark lapsed", func() bool {
		_, ok, err := busy.Acquire(t.Context(), key, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
	if since := time.Since(refused); since < gone.wait-50*time.Millisecond {
		t.Fatalf("the busy node took the slot back %v after the other's refusal (waited %v): want the mark honoured for %v", since, took, gone.wait)
	}
}

// held returns the leases l holds in Redis.
func held(l *Leases) []*Lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*Lease
	for ls := range l.held {
		out = append(out, ls)
	}
	return out
}
