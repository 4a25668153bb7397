package delivery

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/queue"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkTransactionalFirst is issue 16's bench shape: PRIO_N
// marketing messages [50000] queued to a slow site (one connection,
// PRIO_RATE messages/s [100]), then PRIO_TX transactional ones [500]
// submitted at once while the backlog drains; it reports the
// transactional messages' latency from submission to the receiver (p50,
// p99, max) and how long the whole backlog took to drain. The harness
// clock follows real time while it runs (a full domain's due mail is set
// aside for a second at a time: on a frozen clock it would never come
// back). The full shape runs ~9 minutes (results in bench/RESULTS.md):
//
//	PRIO_N=50000 PRIO_TX=500 PRIO_RATE=100 go test -run '^$' -bench TransactionalFirst -benchtime 1x -timeout 30m ./mta/delivery
func BenchmarkTransactionalFirst(b *testing.B) {
	n, tx, rate := envInt("PRIO_N", 50000), envInt("PRIO_TX", 500), envInt("PRIO_RATE", 100)
	for b.Loop() {
		site := newSlowSite(b, float64(rate))
		h := newHarness(b, func(_ *harness, cfg *Config) {
			cfg.Routes = []Route{{Domain: "*", Host: site.sink.Addr()}}
			cfg.MaxConnsPerDest = 1
		})
		h.enqueueClassMany(n, queue.Marketing, queue.PriorityNormal, func(i int) string { return fmt.Sprintf("m%d@slow.test", i) })
		start := time.Now()
		h.start()
		deadline := time.Now().Add(time.Duration(2*(n+tx)/rate)*time.Second + time.Minute)
		// follow waits until count reaches want, moving the harness clock
		// with real time.
		follow := func(want int) {
			for c, _ := site.sink.Count(); c < want; c, _ = site.sink.Count() {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d delivered", c, want)
				}
				time.Sleep(50 * time.Millisecond)
				h.advance(50 * time.Millisecond)
			}
		}
		follow(min(n/10, 5*rate))
		submitted := time.Now()
		h.enqueueClassMany(tx, queue.Transactional, queue.PriorityNormal, func(i int) string { return fmt.Sprintf("t%d@slow.test", i) })
		var lat []time.Duration
		follow(n + tx)
		drain := time.Since(start)
		for i := range tx {
			at, _ := site.arrived(fmt.Sprintf("t%d@slow.test", i))
			lat = append(lat, at.Sub(submitted))
		}
		slices.Sort(lat)
		p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
		b.ReportMetric(p(0.5).Seconds(), "p50-s")
		b.ReportMetric(p(0.99).Seconds(), "p99-s")
		b.ReportMetric(lat[len(lat)-1].Seconds(), "max-s")
		b.ReportMetric(drain.Seconds(), "drain-s")
		b.Logf("%d marketing + %d transactional at %d msgs/s: transactional p50 %v p99 %v max %v; all drained in %v (ideal %v)",
			n, tx, rate, p(0.5), p(0.99), lat[len(lat)-1], drain, time.Duration(float64(n+tx)/float64(rate)*float64(time.Second)))
	}
}

// BenchmarkSteadyPriorities is the delivery engine's core throughput
// (one-recipient messages through the spool to a loopback sink, as
// BenchmarkBacklogResume's steady phase) with scheduling classes on (one
// message in ten transactional, one in ten marketing/high) and off
// (queue.Options.NoPriorities). Interleave the two in one run:
//
//	go test -run '^$' -bench SteadyPriorities -benchtime 1x -count 5 ./mta/delivery
func BenchmarkSteadyPriorities(b *testing.B) {
	const n = 10000
	for _, on := range []bool{true, false} {
		b.Run(map[bool]string{true: "on", false: "off"}[on], func(b *testing.B) {
			for b.Loop() {
				sink := mtatest.NewSink(b, mtatest.SinkOptions{})
				h := newHarness(b, func(h *harness, cfg *Config) {
					cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
					h.noPriorities = !on
				})
				h.start()
				start := time.Now()
				for _, c := range []struct {
					st    queue.Stream
					p     queue.Priority
					share int
				}{{queue.Marketing, queue.PriorityNormal, 8}, {queue.Transactional, queue.PriorityNormal, 1}, {queue.Marketing, queue.PriorityHigh, 1}} {
					k := n * c.share / 10
					h.enqueueClassMany(k, c.st, c.p, func(i int) string { return fmt.Sprintf("%s%d@site.test", c.st, i) })
				}
				waitFor(b, "all delivered", func() bool { c, _ := sink.Count(); return c >= n })
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
			}
		})
	}
}
