package delivery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sluice/mta/mtatest"
)

// BenchmarkBacklogResume measures issue 19's backlog shape against the
// steady rate of the same run: N one-recipient messages to one site
// (a loopback sink) queued while the engine runs (steady), then N more
// queued under a hold and released at once by Resume (backlog). It
// reports both rates, their ratio and, in the log, deliveries per half
// second of the backlog's drain: a zero there while mail is due is the
// one-second wave the scheduler must not have. Run it once:
//
//	go test -run '^$' -bench BacklogResume -benchtime 1x ./mta/delivery
func BenchmarkBacklogResume(b *testing.B) {
	const n = 20000
	for b.Loop() {
		sink := mtatest.NewSink(b, mtatest.SinkOptions{})
		h := newHarness(b, func(_ *harness, cfg *Config) {
			cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
		})
		h.start()
		count := func() int { c, _ := sink.Count(); return c }

		start := time.Now()
		h.enqueueMany(n, func(i int) string { return fmt.Sprintf("s%d@site.test", i) })
		waitSeries(b, n, count, h)
		steady := float64(n) / time.Since(start).Seconds()

		ctx := context.Background()
		if err := h.store.Suspend(ctx, "domain", "site.test", "bench"); err != nil {
			b.Fatal(err)
		}
		h.enqueueMany(n, func(i int) string { return fmt.Sprintf("r%d@site.test", i) })
		waitFor(b, "the held backlog set aside", func() bool { _, due := h.store.NextDue(); return !due })
		start = time.Now()
		if _, err := h.store.Resume(ctx, "domain", "site.test"); err != nil {
			b.Fatal(err)
		}
		series := waitSeries(b, 2*n, count, h)
		backlog := float64(n) / time.Since(start).Seconds()
		b.ReportMetric(steady, "steady-msgs/s")
		b.ReportMetric(backlog, "backlog-msgs/s")
		b.ReportMetric(backlog/steady, "backlog/steady")
		b.Logf("steady %.0f msgs/s; backlog of %d released by resume %.0f msgs/s (%.0f%%); per half second: %v",
			steady, n, backlog, 100*backlog/steady, series)
	}
}

// waitSeries waits until count reaches want and returns the deliveries of
// each half second meanwhile.
func waitSeries(b *testing.B, want int, count func() int, h *harness) []int {
	b.Helper()
	var series []int
	last := count()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for last < want {
		if time.Now().After(deadline) {
			q, f, d, dl, fl := h.store.Counts()
			due, _ := h.store.NextDue()
			b.Fatalf("%d of %d delivered; engine in flight %d; spool queued %d in flight %d deferred %d delivered %d failed %d; next due in %v; events %d",
				last, want, h.engine.InFlight(), q, f, d, dl, fl, due.Sub(h.clk.Now()), len(h.events.all()))
		}
		select {
		case <-tick.C:
			c := count()
			series = append(series, c-last)
			last = c
		case <-time.After(10 * time.Millisecond):
			if c := count(); c >= want {
				series = append(series, c-last)
				last = c
			}
		}
	}
	return series
}
