package delivery

import (
	"fmt"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
)

// TestSiteConnectionLimitSpansDomains: five domains hosted on one MX host
// are one shaping site; its rule allows one connection, so the receiver
// never sees two at once although each domain has its own pool. Workers
// refused a slot wait for one (a signal: no fallback timer) and every message
// is delivered on its first attempt.
func TestSiteConnectionLimitSpansDomains(t *testing.T) {
	t.Parallel()
	lim := &connGauge{} // the engine's count: the sink's lags (connGauge)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	const domains, each = 5, 4
	h := newHarness(t, func(h *harness, cfg *Config) {
		lim.wire(cfg)
		for i := range domains {
			h.dns.AddMX(fmt.Sprintf("s%d.test", i), 10, "mx1.example.test")
		}
		cfg.Port = sink.Port()
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: "shared", MXPatterns: []string{"mx1.example.test"}, MaxConnections: 1}})
		cfg.slotFallback = time.Hour            // signals only: no asking again on a timer
		cfg.IdleTimeout = 10 * time.Millisecond // idle connections close, and their slots go to the next domain, often
	})
	for i := range domains {
		for j := range each {
			h.enqueue([]string{fmt.Sprintf("r%d@s%d.test", j, i)}, nil)
		}
	}
	h.start()
	for i := range domains {
		for j := range each {
			if ev := h.events.wait(t, fmt.Sprintf("r%d@s%d.test", j, i), 1, "delivered"); ev.Attempt != 1 {
				t.Errorf("%s delivered on attempt %d, want 1", ev.Rcpt, ev.Attempt)
			}
		}
	}
	if p := lim.Peak(); p != 1 {
		t.Errorf("peak concurrent connections to the shared MX: %d, want 1", p)
	}
}
