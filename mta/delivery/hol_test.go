package delivery

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"sluice/mta/mtatest"
)

// TestSlowDomainDoesNotHoldUpOthers: one domain has a backlog of 100
// messages, due first, at a receiver that stalls (it holds every message
// until the test lets go); ten other domains have 5 each at a fast
// receiver. The in-flight bound (40) is smaller than the backlog, so a
// scheduler that claimed in due order alone would fill it with the stalled
// domain's mail and deliver nothing else. The per-domain pending cap
// (MaxPendingPerDomain, 10 × MaxConnsPerDest by default) sets the backlog
// aside in the spool instead: every fast message is delivered while the
// stalled receiver has taken none, and once it lets go, the backlog
// follows, none of it deferred.
func TestSlowDomainDoesNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var releaseOnce sync.Once
	let := func() { releaseOnce.Do(func() { close(release) }) }
	slow := mtatest.NewSink(t, mtatest.SinkOptions{Data: func(mtatest.Received) error {
		<-release
		return nil
	}})
	fast := mtatest.NewSink(t, mtatest.SinkOptions{})
	const slowN, fastDomains, fastEach = 100, 10, 5
	h := newHarness(t, func(_ *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "slow.test", Host: slow.Addr()}, {Domain: "*", Host: fast.Addr()}}
		cfg.MaxInFlight = 40
		cfg.MaxConnsPerDest = 1 // so 10 pending per domain
	})
	t.Cleanup(let) // before the engine stops: its workers wait on the stalled receiver
	for i := range slowN {
		h.enqueue([]string{fmt.Sprintf("s%d@slow.test", i)}, nil)
	}
	h.clk.Advance(time.Second) // the fast mail is due after all of the slow
	for d := range fastDomains {
		for i := range fastEach {
			h.enqueue([]string{fmt.Sprintf("f%d@d%d.test", i, d)}, nil)
		}
	}
	h.start()
	if got := fast.WaitRcpts(fastDomains*fastEach, waitLimit); len(got) != fastDomains*fastEach {
		t.Fatalf("%d of %d fast-domain messages delivered behind a stalled domain", len(got), fastDomains*fastEach)
	}
	if n, _ := slow.Count(); n != 0 {
		t.Fatalf("the stalled receiver took %d messages", n)
	}
	// Once the fast mail is settled, what is left in flight is the stalled
	// domain's share: its cap, not the in-flight bound.
	waitFor(t, "the stalled domain's share alone in flight", func() bool { return h.engine.InFlight() == 10 })

	let()
	// The backlog left due in the spool is claimed as capacity frees.
	waitFor(t, "the backlog", func() bool {
		h.advance(time.Second)
		n, _ := slow.Count()
		return n == slowN
	})
	for _, ev := range h.events.all() {
		if string(ev.Kind) != "delivered" || ev.Attempt != 1 {
			t.Errorf("%s: %s on attempt %d, want delivered on the first", ev.Rcpt, string(ev.Kind), ev.Attempt)
		}
	}
	if n, _ := fast.Count(); n != fastDomains*fastEach {
		t.Errorf("the fast receiver got %d messages, want %d", n, fastDomains*fastEach)
	}
}
