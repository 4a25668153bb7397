package delivery

import (
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
)

// TestIdleConnectionYieldsContendedSlot: a site allows one connection;
// a.test's mail is delivered and its connection goes idle (idle timeout
// 30 s). Mail for b.test, another domain of the same site, then waits for
// that slot: the idle connection must give it back when it is wanted,
// not after its idle timeout (a drained destination sitting on the
// site's slots while mail for the site waits).
func TestIdleConnectionYieldsContendedSlot(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
		cfg.IdleTimeout = 30 * time.Second
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: "site", Domains: []string{"a.test", "b.test"}, MaxConnections: 1}})
	})
	h.start()
	h.enqueue([]string{"x@a.test"}, nil)
	h.engine.Kick()
	h.events.wait(t, "x@a.test", 1, "delivered")
	start := time.Now()
	h.enqueue([]string{"y@b.test"}, nil)
	h.engine.Kick()
	h.events.wait(t, "y@b.test", 1, "delivered")
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("b.test waited %v for the slot a.test's idle connection held (idle timeout 30 s)", took)
	}
	if got := sink.WaitRcpts(2, time.Second); len(got) != 2 {
		t.Fatalf("sink got %d recipients", len(got))
	}
}
