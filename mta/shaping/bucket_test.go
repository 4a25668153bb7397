package shaping

import (
	"container/heap"
	"fmt"
	"math"
	"testing"
	"time"
)

// TestReserveExactRate: a sender that sends as soon as Reserve lets it
// sends the burst, then exactly Rate per second: over a simulated minute,
// Burst + 60×Rate messages, within one.
func TestReserveExactRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rate    float64
		burst   int
		workers int
	}{
		{1, 1, 1}, {7, 7, 1}, {0.5, 1, 1}, {3.3, 10, 1}, {1000, 1000, 1}, {250, 1, 1},
		{1.0 / 3, 2, 1}, {7, 7, 5}, {3.3, 10, 3}, {1000, 50, 20},
	} {
		t.Run(fmt.Sprintf("%v/s burst %d workers %d", tc.rate, tc.burst, tc.workers), func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			start := clock.Now()
			p, _ := newPolicy(t, []Rule{{Name: "default", Rate: tc.rate, Burst: tc.burst, MinRate: min(tc.rate, defaultMinRate)}}, clock)
			k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
			// Each worker reserves, waits, sends, and reserves again at
			// once: processed in time order, as concurrent workers would.
			var h reserveHeap
			for range tc.workers {
				h = append(h, start)
			}
			end := start.Add(time.Minute)
			sent := 0
			for {
				at := heap.Pop(&h).(time.Time)
				clock.Set(at)
				due := at.Add(p.Reserve(k, 1))
				if due.After(end) {
					break
				}
				sent++
				heap.Push(&h, due)
			}
			want := float64(tc.burst) + 60*tc.rate
			if math.Abs(float64(sent)-want) > 1 {
				t.Errorf("sent %d in a minute, want %v ± 1", sent, want)
			}
		})
	}
}

type reserveHeap []time.Time

func (h reserveHeap) Len() int           { return len(h) }
func (h reserveHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h reserveHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *reserveHeap) Push(x any)        { *h = append(*h, x.(time.Time)) }
func (h *reserveHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func TestReserveWaits(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", Rate: 5, Burst: 5}, {Name: "third", Domains: []string{"third.example"}, Rate: 3, Burst: 1}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	steps := []struct {
		advance time.Duration
		n       int
		want    time.Duration
	}{
		{0, 5, 0},                        // the burst
		{0, 1, 200 * time.Millisecond},   // one token at 5/s
		{0, 0, 0},                        // nothing asked, nothing taken
		{0, -3, 0},                       // nor for a negative count
		{0, 10, 2200 * time.Millisecond}, // behind the one before
		{2200 * time.Millisecond, 1, 200 * time.Millisecond},
		{time.Hour, 5, 0}, // an idle hour refills the burst, no more
		{0, 1, 200 * time.Millisecond},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if got := p.Reserve(k, s.n); got != s.want {
			t.Errorf("step %d: Reserve(%d) after %v = %v, want %v", i, s.n, s.advance, got, s.want)
		}
	}
	// Waits round up to the nanosecond: never early.
	third := Key{Site: p.Site("third.example", nil)}
	p.Reserve(third, 1)
	if got, want := p.Reserve(third, 1), time.Duration(333333334); got != want {
		t.Errorf("at 3/s the second message waits %v, want %v", got, want)
	}
	// Without a rate, nothing waits.
	free, _ := newPolicy(t, nil, clock)
	fk := Key{Site: free.Site("example.net", []string{"mx.example.net"})}
	for range 1000 {
		if w := free.Reserve(fk, 100); w != 0 {
			t.Fatalf("unlimited site waits %v", w)
		}
	}
	// A huge debt is bounded, not overflowed.
	if w := p.Reserve(k, math.MaxInt); w != maxWait {
		t.Errorf("Reserve(MaxInt) = %v, want %v", w, maxWait)
	}
}
