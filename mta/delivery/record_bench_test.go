package delivery

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/mta/mtatest"
)

// BenchmarkDrainOutcomes measures what recording outcomes costs: 20,000
// one-recipient messages to 20 domains, queued before the engine starts,
// drained to a loopback sink until the spool holds none in flight. It
// reports msgs/s, this process's CPU per message (engine, spool and the
// in-process sink together: compare builds, not absolute values) and the
// bytes it wrote to storage per message (/proc/self/io write_bytes).
// Run it once per build, builds interleaved:
//
//	go test -run '^$' -bench DrainOutcomes -benchtime 1x ./mta/delivery
func BenchmarkDrainOutcomes(b *testing.B) {
	const n = 20000
	for b.Loop() {
		sink := mtatest.NewSink(b, mtatest.SinkOptions{})
		h := newHarness(b, func(_ *harness, cfg *Config) {
			cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
		})
		h.enqueueMany(n, func(i int) string { return fmt.Sprintf("u%d@d%d.test", i, i%20) })
		w0, c0, start := writeBytes(), cpuTime(), time.Now()
		h.start()
		waitSeries(b, n, func() int { c, _ := sink.Count(); return c }, h)
		waitFor(b, "every outcome recorded", func() bool { _, f, _, _, _ := h.store.Counts(); return f == 0 })
		took := time.Since(start).Seconds()
		b.ReportMetric(n/took, "msgs/s")
		b.ReportMetric(float64((cpuTime()-c0).Microseconds())/n, "cpu-µs/msg")
		b.ReportMetric(float64(writeBytes()-w0)/n/1024, "KB-written/msg")
	}
}

// writeBytes is this process's write_bytes (/proc/self/io), 0 if unknown.
func writeBytes() int64 {
	b, _ := os.ReadFile("/proc/self/io")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// cpuTime is this process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
