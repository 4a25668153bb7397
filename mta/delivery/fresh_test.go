package delivery

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"sluice/mta/mtatest"
)

// TestFreshMailNotBehindABusyBacklog: n recipients are due for a site
// that takes one connection and answers slowly (so its ready queue holds
// 10 and it settles a few a second: busy, never stalled), and one message
// to another domain is queued after them. It is delivered within a
// second: the claim reaches it through the spool's per-destination
// schedule, not after the backlog ahead of it in due order (before, it
// waited for the whole backlog). Then the site speeds up and the backlog
// keeps draining, each recipient on its first attempt: all of it at 2,000
// (20,000 through one connection take longer than a test should).
func TestFreshMailNotBehindABusyBacklog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		n, drained int
	}{
		{"20000 due", 20000, 1000},
		{"2000 due, drained", 2000, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			freshBehindBacklog(t, tc.n, tc.drained)
		})
	}
}

func freshBehindBacklog(t *testing.T, n, drained int) {
	var slow atomic.Bool
	slow.Store(true)
	busy := mtatest.NewSink(t, mtatest.SinkOptions{Data: func(mtatest.Received) error {
		if slow.Load() {
			time.Sleep(20 * time.Millisecond) // the receiver's pace, not a wait of the test
		}
		return nil
	}})
	fresh := mtatest.NewSink(t, mtatest.SinkOptions{})
	var cs *countingStore
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "busy.test", Host: busy.Addr()}, {Domain: "*", Host: fresh.Addr()}}
		cfg.MaxConnsPerDest = 1 // so 10 pending per domain
		h.wrap = func(s Store) Store { cs = &countingStore{Store: s}; return cs }
	})
	h.enqueueMany(n, func(i int) string { return fmt.Sprintf("r%d@busy.test", i) })
	h.start()
	waitFor(t, "the backlog's first deliveries", func() bool { c, _ := busy.Count(); return c >= 3 })
	queued := time.Now()
	h.enqueue([]string{"x@fresh.test"}, nil)
	if got := fresh.WaitRcpts(1, waitLimit); len(got) != 1 {
		t.Fatalf("the fresh message was not delivered within %v behind %d due for a busy site", waitLimit, n)
	}
	took := time.Since(queued)
	done, _ := busy.Count()
	t.Logf("fresh message delivered %v after queueing, with %d of %d of the backlog delivered", took, done, n)
	if took > time.Second {
		t.Errorf("fresh message delivered %v after queueing, want within 1 s", took)
	}
	if done > n/2 {
		t.Fatalf("%d of %d delivered first: the backlog was not ahead of the fresh message", done, n)
	}
	if cs.byDest.Load() == 0 {
		t.Errorf("no recipient found by the per-destination walk")
	}
	slow.Store(false)
	progress(t, drained, 60*time.Second, func() int { c, _ := busy.Count(); return c })
	if drained < n {
		return
	}
	waitFor(t, "every outcome recorded", func() bool { return len(h.events.all()) == n+1 })
	for _, ev := range h.events.all() {
		if string(ev.Kind) != "delivered" || ev.Attempt != 1 {
			t.Fatalf("%s: %s on attempt %d, want delivered on the first", ev.Rcpt, string(ev.Kind), ev.Attempt)
		}
	}
}
