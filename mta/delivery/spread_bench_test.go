package delivery

import (
	"fmt"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
)

// BenchmarkSiteSpread is bench/drain.sh's spread shape in the package:
// 1,000 domains routed to one host (one site, the default rule's 10
// connections), 20 one-recipient messages each, all due when the engine
// starts. It reports the drain's rate and the connection slots the
// shaping policy refused per second meanwhile: what the destinations
// waiting for their site's connection cost. Run it once:
//
//	go test -run '^$' -bench SiteSpread -benchtime 1x ./mta/delivery
func BenchmarkSiteSpread(b *testing.B) {
	const domains, perDomain = 1000, 20
	for b.Loop() {
		sink := mtatest.NewSink(b, mtatest.SinkOptions{})
		h := newHarness(b, func(h *harness, cfg *Config) {
			cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
			p, err := shaping.New([]shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 10}}, shaping.Options{Now: h.clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			cfg.Shaping = p
		})
		n := domains * perDomain
		h.enqueueMany(n, func(i int) string { return fmt.Sprintf("u%d@d%d.test", i/domains, i%domains) })
		count := func() int { c, _ := sink.Count(); return c }
		start := time.Now()
		h.start()
		defer func() {
			reasons := map[string]int{}
			for _, ev := range h.events.all() {
				if ev.Kind != "delivered" {
					reasons[string(ev.Kind)+": "+ev.Reply]++
				}
			}
			if len(reasons) > 0 {
				b.Logf("not delivered: %v", reasons)
			}
		}()
		waitSeries(b, n, count, h)
		took := time.Since(start).Seconds()
		refused := h.engine.slotRefused.Load()
		b.ReportMetric(float64(n)/took, "msgs/s")
		b.ReportMetric(float64(refused)/took, "refused/s")
		b.Logf("%d messages over %d domains in %.2fs: %.0f msgs/s, %d slots refused (%.0f/s), %d sessions",
			n, domains, took, float64(n)/took, refused, float64(refused)/took, sink.Connections())
	}
}
