package queue

import (
	"sync"
	"testing"
	"time"

	"sluice/internal/clock"
)

// TestIDGenNodesNeverCollide: generators of different nodes minting at
// the same instant (a frozen clock: the worst case) never produce the same
// id; each one's ids strictly increase and carry its number.
func TestIDGenNodesNeverCollide(t *testing.T) {
	t.Parallel()
	now := clock.Now()
	floor := uint64(now.UnixMicro()) - 1000
	seen := map[ID]int{}
	for _, node := range []int{1, 2, 3, MaxNode} {
		g, err := NewIDGen(floor, node)
		if err != nil {
			t.Fatal(err)
		}
		var prev ID
		for range 5000 {
			id := g.Next(now)
			if id <= prev {
				t.Fatalf("node %d: id %d after %d", node, id, prev)
			}
			if id.Node() != node {
				t.Fatalf("node %d minted %s with node part %d", node, id, id.Node())
			}
			if other, dup := seen[id]; dup {
				t.Fatalf("nodes %d and %d both minted %s", other, node, id)
			}
			seen[id], prev = node, id
		}
	}
}

// TestIDGenSingleNodeUnchanged: node 0 mints exactly what ids always were,
// max(previous + 1, now in µs), above the floor.
func TestIDGenSingleNodeUnchanged(t *testing.T) {
	t.Parallel()
	now := clock.Now()
	us := uint64(now.UnixMicro())
	g, err := NewIDGen(us+5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if id := g.Next(now); uint64(id) != us+6 {
		t.Fatalf("above the floor: %d, want %d", id, us+6)
	}
	later := now.Add(time.Second)
	if id := g.Next(later); uint64(id) != uint64(later.UnixMicro()) {
		t.Fatalf("later: %d, want the clock %d", id, later.UnixMicro())
	}
	if g.Last() != uint64(later.UnixMicro()) {
		t.Fatalf("Last %d", g.Last())
	}
}

// TestIDGenStaysOnTheClock: a fleet node's ids remain microseconds, within
// 2^NodeBits of the clock, when it mints below its rate.
func TestIDGenStaysOnTheClock(t *testing.T) {
	t.Parallel()
	g, err := NewIDGen(0, 42)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	for i := range 100 {
		at := now.Add(time.Duration(i) * time.Millisecond)
		id := g.Next(at)
		if d := int64(id) - at.UnixMicro(); d < 0 || d > MaxNode {
			t.Fatalf("id %d is %d µs from the clock", id, d)
		}
	}
}

// TestIDGenConcurrent: one generator shared by many goroutines never
// hands out an id twice.
func TestIDGenConcurrent(t *testing.T) {
	t.Parallel()
	g, err := NewIDGen(0, 7)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	var mu sync.Mutex
	seen := map[ID]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				id := g.Next(now)
				mu.Lock()
				if seen[id] {
					t.Errorf("id %s twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestNewIDGenRejectsBadNode(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, MaxNode + 1} {
		if _, err := NewIDGen(0, n); err == nil {
			t.Errorf("node %d accepted", n)
		}
	}
}

func BenchmarkIDGen(b *testing.B) {
	for _, node := range []int{0, 5} {
		g, _ := NewIDGen(0, node)
		b.Run(map[int]string{0: "single", 5: "fleet"}[node], func(b *testing.B) {
			now := clock.Now()
			for b.Loop() {
				g.Next(now)
			}
		})
	}
}
