package delivery

import (
	"fmt"
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
	lim := mtatest.NewLimits(0, 0)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{Limits: lim})
	var ds []string
	h := newHarness(t, func(h *harness, cfg *Config) {
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
