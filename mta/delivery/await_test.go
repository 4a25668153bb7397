package delivery

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
)

// TestWaitingDestinationsNeedNoTimer: 40 domains behind one MX host, two
// messages each, a site limit of 2 connections closed after 3 messages
// each, and no fallback timer (an hour): destinations refused a slot
// must be woken by what frees one (a connection closing, parked, or
// handed to them), never by asking again on a timer. Each connection
// closing frees its slot for a waiting domain that could not ride a
// connection; without the wake-up they would wait the hour. Refused
// slots stay few: a handful per domain, not one per domain per poll.
func TestWaitingDestinationsNeedNoTimer(t *testing.T) {
	t.Parallel()
	const domains, each, maxConns = 40, 2, 2
	lim := &connGauge{} // the engine's count: the sink's lags (connGauge)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	var ds []string
	h := newHarness(t, func(h *harness, cfg *Config) {
		lim.wire(cfg)
		cfg.Port = sink.Port()
		ds = sharedDomains(h, domains)
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: maxConns, MaxMessagesPerConn: 3}})
		cfg.slotFallback = time.Hour
		cfg.IdleTimeout = time.Hour // nor a parked connection's idle timer
	})
	for _, d := range ds {
		for i := range each {
			h.enqueue([]string{fmt.Sprintf("u%d@%s", i, d)}, nil)
		}
	}
	h.start()
	got := 0
	for _, m := range sink.WaitRcpts(domains*each, waitLimit) {
		got += len(m.To)
	}
	if got != domains*each {
		t.Fatalf("%d of %d recipients delivered: destinations wait for a connection nothing wakes them for", got, domains*each)
	}
	if p := lim.Peak(); p > maxConns {
		t.Errorf("peak of %d sessions, site limit %d", p, maxConns)
	}
	refused, wakes := h.engine.slotRefused.Load(), h.engine.slotWakes.Load()
	if refused > 5*domains {
		t.Errorf("%d slots refused for %d domains: destinations ask again without a reason", refused, domains)
	}
	t.Logf("%d messages over %d sessions; %d slots refused, %d waits woken", domains*each, sink.Connections(), refused, wakes)
}

// TestConnectionParkedBeforeSleepIsAdopted: b.test is refused the site's
// one slot (a.test's connection holds it) and, between its look at the
// parked connections and its sleep, a.test's connection is parked. The
// park's wake-up finds nobody asleep (handOff passed b.test over: its
// worker is at MaxConnsPerDest); b.test must still see it and take the
// connection, not sleep until the fallback or the idle timeout (an hour
// each here). The race is made certain by a hook at the sleep.
func TestConnectionParkedBeforeSleepIsAdopted(t *testing.T) {
	t.Parallel()
	arrived, gate := make(chan struct{}, 1), make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Data: func(r mtatest.Received) error {
		if r.To[0] == "a@a.test" {
			arrived <- struct{}{}
			<-gate
		}
		return nil
	}})
	t.Cleanup(release)
	var raced atomic.Bool
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		h.dns.AddMX("a.test", 10, "mx1.example.test")
		h.dns.AddMX("b.test", 10, "mx1.example.test")
		cfg.MaxConnsPerDest = 1
		cfg.shareQuantum = time.Nanosecond
		cfg.slotFallback, cfg.IdleTimeout = time.Hour, time.Hour
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 1}})
		cfg.awaitHook = func(d *dest) {
			if d.domain != "b.test" || !raced.CompareAndSwap(false, true) {
				return
			}
			release() // a.test's transaction ends: its connection parks
			for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if parkedConns(d.e) == 1 {
					return
				}
			}
		}
	})
	h.enqueue([]string{"a@a.test"}, nil)
	h.start()
	<-arrived
	h.enqueue([]string{"b@b.test"}, nil)
	h.engine.Kick()
	h.events.wait(t, "b@b.test", 1, "delivered")
	if !raced.Load() {
		t.Error("b.test never waited for the site's connection: the race was not run")
	}
	if n := h.dials.Load(); n != 1 {
		t.Errorf("%d connections, want a.test's one carrying b.test's mail too", n)
	}
}

// parkedConns counts e's parked connections.
func parkedConns(e *Engine) int {
	s := &e.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.groups {
		n += len(g.parked)
	}
	return n
}
