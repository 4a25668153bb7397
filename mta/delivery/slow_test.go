package delivery

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestJudgeSlow: the detector's rule on its own. A connection is slow
// when its median passes the floor and is over slowFactor times the
// site's other connections' median (with at least minSiteTxns of them),
// or, without enough of them, over the budget; a site slow everywhere
// and a fast site's jitter are not.
func TestJudgeSlow(t *testing.T) {
	t.Parallel()
	const floor, budget = 2 * time.Second, 30 * time.Second
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		own  time.Duration
		site time.Duration
		n    int
		want bool
	}{
		{"tarpit among fast siblings", 24 * time.Second, 80 * ms, 10, true},
		{"just over 4x, over the floor", 4*time.Second + ms, time.Second, 10, true},
		{"4x exactly", 4 * time.Second, time.Second, 10, false},
		{"fast site's jitter, 20x but under the floor", 60 * ms, 3 * ms, 10, false},
		{"whole site slow", 24 * time.Second, 20 * time.Second, 10, false},
		{"too few siblings: under the budget", 24 * time.Second, 80 * ms, minSiteTxns - 1, false},
		{"too few siblings: over the budget", 31 * time.Second, 80 * ms, minSiteTxns - 1, true},
		{"no siblings: over the budget", 31 * time.Second, 0, 0, true},
		{"no siblings: under the budget", 29 * time.Second, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := judgeSlow(tc.own, tc.site, tc.n, floor, budget); got.slow != tc.want {
				t.Errorf("judgeSlow(%v, %v, %d) = %+v, want slow=%v", tc.own, tc.site, tc.n, got, tc.want)
			}
		})
	}
}

// TestSiteTimesComparesWithOtherConnections: the site's median is taken
// over the last siteTxns transactions of the other connections only, so a
// tarpit's own transactions never raise the bar it is measured against.
func TestSiteTimesComparesWithOtherConnections(t *testing.T) {
	t.Parallel()
	var s siteTimes
	now := newTestClock().Now()
	for i := range 25 {
		s.record(1, 10*time.Second, now)                        // the tarpit
		s.record(2, time.Duration(i%3+1)*time.Millisecond, now) // a sibling: 1, 2, 3 ms
	}
	med, n := s.record(1, 10*time.Second, now)
	if n != siteTxns || med != 2*time.Millisecond {
		t.Errorf("tarpit's comparison: median %v over %d, want 2ms over %d", med, n, siteTxns)
	}
}

// dropCounter counts Config.ConnDropped calls by reason.
type dropCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *dropCounter) add(reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[reason]++
}

func (d *dropCounter) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[reason]
}

// TestTarpitConnectionIsReplaced: the receiver answers one connection
// (the first) 40 times slower than the others. After its first
// transaction the engine closes it, as it does not close a fast one,
// counts it once as "slow", and the domain's mail goes on over the other
// connection and a new one: every message delivered on its first attempt,
// none deferred. With one connection allowed there are no siblings: the
// absolute budget closes the tarpit after its first transaction and a new
// connection carries the rest. Timings are injected: the tarpit delays
// each reply write by 150 ms, the floor is 50 ms, the budget 100 ms.
func TestTarpitConnectionIsReplaced(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		conns   int
		msgs    int
		sibling time.Duration // the other connections' delay per reply write
	}{
		{name: "siblings", conns: 2, msgs: 30, sibling: 5 * time.Millisecond},
		{name: "alone", conns: 1, msgs: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mx := startRawMXWith(t, rawOptions{delay: func(conn int) time.Duration {
				if conn == 1 {
					return 150 * time.Millisecond
				}
				return tc.sibling
			}})
			var drops dropCounter
			h := newHarness(t, func(_ *harness, cfg *Config) {
				cfg.Port = mx.port()
				cfg.MaxConnsPerDest = tc.conns
				cfg.MaxPendingPerDomain = 100 // all claimed at once
				cfg.ConnDropped = drops.add
				cfg.slowFloor = 50 * time.Millisecond
				cfg.slowBudget = 100 * time.Millisecond
			})
			for i := range tc.msgs {
				h.enqueue([]string{fmt.Sprintf("r%d@example.test", i)}, nil)
			}
			h.start()
			for i := range tc.msgs {
				if ev := h.events.wait(t, fmt.Sprintf("r%d@example.test", i), 1, "delivered"); ev.Attempt != 1 {
					t.Errorf("%s delivered on attempt %d, want 1", ev.Rcpt, ev.Attempt)
				}
			}
			if evs := h.events.all(); len(evs) != tc.msgs {
				t.Errorf("%d events for %d recipients (something deferred?)", len(evs), tc.msgs)
			}
			if got := mx.messagesOn(1); got != 1 {
				t.Errorf("the tarpit connection carried %d messages, want 1", got)
			}
			if got := drops.get(dropSlow); got != 1 {
				t.Errorf("%d connections dropped as slow, want 1", got)
			}
			if got := mx.counts(); got.conns > tc.conns+1 || got.msgs != tc.msgs {
				t.Errorf("MX saw %d messages over %d connections; want %d over at most %d", got.msgs, got.conns, tc.msgs, tc.conns+1)
			}
		})
	}
}

// TestFastSiteIsNeverDropped: a connection 30 times slower than its
// sibling but fast in absolute terms (tens of milliseconds against the
// default 2 s floor) is kept: the detector never touches a fast site.
func TestFastSiteIsNeverDropped(t *testing.T) {
	t.Parallel()
	mx := startRawMXWith(t, rawOptions{delay: func(conn int) time.Duration {
		if conn == 1 {
			return 30 * time.Millisecond
		}
		return 0
	}})
	var drops dropCounter
	h := newHarness(t, func(_ *harness, cfg *Config) {
		cfg.Port = mx.port()
		cfg.MaxConnsPerDest = 2
		cfg.MaxPendingPerDomain = 100 // all claimed at once
		cfg.ConnDropped = drops.add
	})
	const n = 40
	for i := range n {
		h.enqueue([]string{fmt.Sprintf("r%d@example.test", i)}, nil)
	}
	h.start()
	for i := range n {
		h.events.wait(t, fmt.Sprintf("r%d@example.test", i), 1, "delivered")
	}
	if got := drops.get(dropSlow); got != 0 {
		t.Errorf("%d connections of a fast site dropped as slow", got)
	}
	if got := mx.counts(); got.conns > 2 {
		t.Errorf("MX saw %d connections, want at most 2", got.conns)
	}
}
