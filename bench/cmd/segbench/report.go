package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// metric is one row of the summary: a number taken from each run.
type metric struct {
	name   string
	format string
	of     func(*result) float64
}

const mb = 1 << 20

var metrics = []metric{
	{"fill: committed msgs/s (20 writers)", "%.0f", func(r *result) float64 { return r.fill.rate() }},
	{"fill: fsyncs / msg", "%.3f", func(r *result) float64 { return r.fill.fsyncsPerMsg() }},
	{"fill: KB written / msg", "%.1f", func(r *result) float64 { return r.fill.kbPerMsg() }},
	{"churn (submit + deliver at depth): msgs/s", "%.0f", func(r *result) float64 { return r.churn.rate() }},
	{"churn: fsyncs / msg", "%.3f", func(r *result) float64 { return r.churn.fsyncsPerMsg() }},
	{"churn: KB written / msg", "%.1f", func(r *result) float64 { return r.churn.kbPerMsg() }},
	{"drain: delivered msgs/s", "%.0f", func(r *result) float64 { return r.drain.rate() }},
	{"drain: KB written / msg", "%.1f", func(r *result) float64 { return r.drain.kbPerMsg() }},
	{"read body p50 µs (drain)", "%.1f", func(r *result) float64 { return quantile(r.drainReads, 0.5) }},
	{"read body p99 µs (churn, beside commits)", "%.0f", func(r *result) float64 { return quantile(r.churnReads, 0.99) }},
	{"disk MB after fill", "%.0f", func(r *result) float64 { return float64(r.afterFill.total()) / mb }},
	{"disk MB after churn", "%.0f", func(r *result) float64 { return float64(r.afterChurn.total()) / mb }},
	{"  of which bbolt free/pending MB", "%.0f", func(r *result) float64 { return float64(r.afterChurn.dbFree) / mb }},
	{"  of which segment files MB", "%.0f", func(r *result) float64 { return float64(r.afterChurn.segBytes) / mb }},
	{"disk MB after compaction", "%.0f", func(r *result) float64 { return float64(r.afterCompact.total()) / mb }},
	{"compaction: bytes copied, % of bodies submitted", "%.2f", func(r *result) float64 {
		return 100 * float64(r.copied) / float64(r.submitted)
	}},
	{"compaction: seconds", "%.2f", func(r *result) float64 { return r.compact.elapsed.Seconds() }},
	{"disk MB after drain (queue empty)", "%.0f", func(r *result) float64 { return float64(r.afterDrain.total()) / mb }},
}

// quantile returns the q-quantile of ds in µs (0 when empty).
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, int(q*float64(len(s))))
	return float64(s[i]) / float64(time.Microsecond)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// printRun prints one run's line as it finishes.
func printRun(w io.Writer, round int, r *result) {
	fmt.Fprintf(w, "round %d  %-10s %6s  fill %6.0f/s %.2f fsync %6.1f KB  churn %6.0f/s %6.1f KB  drain %6.0f/s  read p50 %5.1f µs  disk MB fill %5.0f churn %5.0f compact %5.0f drain %5.0f\n",
		round, r.design, sizeName(r.size), r.fill.rate(), r.fill.fsyncsPerMsg(), r.fill.kbPerMsg(),
		r.churn.rate(), r.churn.kbPerMsg(), r.drain.rate(), quantile(r.drainReads, 0.5),
		float64(r.afterFill.total())/mb, float64(r.afterChurn.total())/mb, float64(r.afterCompact.total())/mb, float64(r.afterDrain.total())/mb)
}

// printSummary prints, per size, the median of each metric over the
// rounds for A and B and their ratio, as a Markdown table.
func printSummary(w io.Writer, sizes []int, runs []result) {
	for _, size := range sizes {
		var a, b []*result
		for i := range runs {
			switch r := &runs[i]; {
			case r.size != size:
			case r.design == inBolt:
				a = append(a, r)
			default:
				b = append(b, r)
			}
		}
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s bodies, queue %d deep, %d rounds each (medians):\n\n", sizeName(size), a[0].depth, len(a))
		fmt.Fprintln(w, "| metric | A bbolt | B segments | B / A | B / A per round (median) |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, m := range metrics {
			va, vb := collect(a, m.of), collect(b, m.of)
			ma, mb := median(va), median(vb)
			fmt.Fprintf(w, "| %s | "+m.format+" | "+m.format+" | %s | %s |\n", m.name, ma, mb, ratio(mb, ma), pairedRatio(va, vb))
		}
	}
}

// ratio is b/a, or a dash when a is 0.
func ratio(b, a float64) string {
	if a == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", b/a)
}

// pairedRatio is the median of the rounds' own B/A ratios: A and B of one
// round ran back to back, so a busy minute of the machine hits both.
func pairedRatio(a, b []float64) string {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if a[i] != 0 {
			rs = append(rs, b[i]/a[i])
		}
	}
	if len(rs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", median(rs))
}

func collect(rs []*result, of func(*result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = of(r)
	}
	return out
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dKB", n/1024)
	}
	return fmt.Sprintf("%dB", n)
}
