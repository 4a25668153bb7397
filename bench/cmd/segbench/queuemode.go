package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sluice/queue"
)

// -queue mode: the same question asked of the real spool (package queue)
// rather than of this command's reproduction of it. "bbolt" is
// queue.Store with segments off (Options.SegmentThreshold -1: every body
// in bbolt, the write path before segments); "segments" is its default
// (bodies of 16 KiB or more in segment files). Each run, in a fresh
// directory: fill (the writers enqueue depth messages), churn (cycles ×
// depth more enqueued while the deliverers claim, read each body with
// BodyTo and complete it delivered), drain (the rest delivered).

type qvariant struct {
	name      string
	threshold int
}

var qvariants = []qvariant{{"bbolt", -1}, {"segments", 0}}

type qresult struct {
	variant            string
	size               int
	fill, churn, drain phase
	reads              []time.Duration
	diskFill, diskEnd  int64
}

// runQueueMode runs every variant at every size, rounds times, the order
// reversed every other round, and prints each run and the medians.
func runQueueMode(ctx context.Context, o runOptions, sizes []int, rounds int) error {
	if _, err := checkDisk(o.dir); err != nil {
		return err
	}
	fmt.Printf("segbench -queue: %s, dir %s, %d writers, %d deliverers, depth %d MB, %d cycles\n",
		time.Now().UTC().Format(time.RFC3339), o.dir, o.writers, o.deliverers, o.depthBytes>>20, o.cycles)
	var runs []qresult
	for round := 1; round <= rounds; round++ {
		for i, size := range sizes {
			order := slices.Clone(qvariants)
			if (round+i)%2 == 0 {
				slices.Reverse(order)
			}
			for _, v := range order {
				r, err := runQueueOne(ctx, o, v, size)
				if err != nil {
					return fmt.Errorf("round %d, %s, %s: %w", round, v.name, sizeName(size), err)
				}
				printQueueRun(os.Stdout, round, &r)
				runs = append(runs, r)
			}
		}
	}
	printQueueSummary(os.Stdout, sizes, runs)
	return nil
}

func runQueueOne(ctx context.Context, o runOptions, v qvariant, size int) (qresult, error) {
	r := qresult{variant: v.name, size: size}
	dir, err := os.MkdirTemp(o.dir, "segbench-queue-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "spool.db")
	s, err := queue.Open(path, queue.Options{SegmentThreshold: v.threshold, Compact: queue.CompactOptions{Interval: -1}})
	if err != nil {
		return r, err
	}
	defer s.Close()
	depth := max(1, int(o.depthBytes/int64(size)))
	body := makeBody(size)
	if r.fill, err = measureQ(depth, func() error { return enqueueQ(ctx, s, depth, o.writers, body) }); err != nil {
		return r, err
	}
	r.diskFill = diskQ(path)
	d := &qdelivery{s: s, workers: o.deliverers}
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	done := d.start(dctx)
	churn := depth * o.cycles
	r.churn, err = measureQ(churn, func() error {
		if err := enqueueQ(ctx, s, churn, o.writers, body); err != nil {
			return err
		}
		return d.await(ctx, int64(churn))
	})
	if err != nil {
		return r, err
	}
	if r.drain, err = measureQ(depth, func() error { return d.await(ctx, int64(depth+churn)) }); err != nil {
		return r, err
	}
	stop()
	if err := <-done; err != nil && ctx.Err() == nil && dctx.Err() == nil {
		return r, err
	}
	r.reads = d.reads
	r.diskEnd = diskQ(path)
	return r, nil
}

func measureQ(n int, fn func() error) (phase, error) {
	w0, err := writeBytes()
	if err != nil {
		return phase{}, err
	}
	t0 := time.Now()
	if err := fn(); err != nil {
		return phase{}, err
	}
	p := phase{n: n, elapsed: time.Since(t0)}
	w1, err := writeBytes()
	p.writeBytes = w1 - w0
	return p, err
}

// enqueueQ enqueues n messages of body from writers goroutines, each due
// at once.
func enqueueQ(ctx context.Context, s *queue.Store, n, writers int, body []byte) error {
	var left atomic.Int64
	left.Store(int64(n))
	g, ctx := newGroup(ctx)
	defer g.cancel()
	for range writers {
		g.Go(func() error {
			for i := 0; left.Add(-1) >= 0; i++ {
				m := &queue.Message{ID: s.NewID(), Tenant: "bench", From: "a@bench.example",
					Rcpts: []string{fmt.Sprintf("u%d@d%02d.example", i, i%100)}, Created: time.Now().Add(-time.Second), Body: body}
				if err := s.Enqueue(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// qdelivery claims due mail and has workers read each body (into a
// buffer of their own) and complete it delivered.
type qdelivery struct {
	s         *queue.Store
	workers   int
	delivered atomic.Int64
	mu        sync.Mutex
	reads     []time.Duration
}

func (d *qdelivery) start(ctx context.Context) <-chan error {
	out := make(chan error, 1)
	work := make(chan queue.Work, 256)
	g, ctx := newGroup(ctx)
	g.Go(func() error {
		defer close(work)
		for ctx.Err() == nil {
			ws, err := d.s.Claim(ctx, 256, 1)
			if err != nil {
				return err
			}
			if len(ws) == 0 {
				time.Sleep(time.Millisecond) // a benchmark's idle poll
			}
			for _, w := range ws {
				work <- w
			}
		}
		return nil
	})
	for range d.workers {
		g.Go(func() error { return d.work(ctx, work) })
	}
	go func() { out <- g.Wait() }()
	return out
}

func (d *qdelivery) work(ctx context.Context, work <-chan queue.Work) error {
	var buf []byte
	var reads []time.Duration
	defer func() { d.mu.Lock(); d.reads = append(d.reads, reads...); d.mu.Unlock() }()
	for w := range work {
		t0 := time.Now()
		var err error
		if buf, err = d.s.BodyTo(w.ID, buf); err != nil {
			return err
		}
		reads = append(reads, time.Since(t0))
		res := []queue.Result{{ID: w.ID, Index: w.Rcpts[0].Index, Outcome: queue.OutcomeDelivered, Code: 250}}
		if err := d.s.Complete(ctx, res); err != nil {
			return err
		}
		d.delivered.Add(1)
	}
	return nil
}

func (d *qdelivery) await(ctx context.Context, n int64) error {
	for d.delivered.Load() < n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// diskQ is the bytes of the spool file and its segment files.
func diskQ(path string) int64 {
	var n int64
	if fi, err := os.Stat(path); err == nil {
		n += fi.Size()
	}
	ents, _ := os.ReadDir(path + ".segments")
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func printQueueRun(w io.Writer, round int, r *qresult) {
	fmt.Fprintf(w, "round %d %-8s %6s: fill %7.0f msgs/s %7.1f KB/msg | churn %7.0f msgs/s %7.1f KB/msg | drain %7.0f msgs/s %7.1f KB/msg | read p50 %6.0f µs p99 %6.0f µs | disk %4d MB full, %4d MB empty | load %s\n",
		round, r.variant, sizeName(r.size), r.fill.rate(), r.fill.kbPerMsg(), r.churn.rate(), r.churn.kbPerMsg(),
		r.drain.rate(), r.drain.kbPerMsg(), quantile(r.reads, 0.5), quantile(r.reads, 0.99), r.diskFill>>20, r.diskEnd>>20, loadavg())
}

func printQueueSummary(w io.Writer, sizes []int, runs []qresult) {
	fmt.Fprintln(w, "\nmedians (segments/bbolt):")
	for _, size := range sizes {
		by := map[string][]*qresult{}
		for i := range runs {
			if runs[i].size == size {
				by[runs[i].variant] = append(by[runs[i].variant], &runs[i])
			}
		}
		a, b := by["bbolt"], by["segments"]
		row := func(name string, of func(*qresult) float64) {
			ma, mb := median(qcollect(a, of)), median(qcollect(b, of))
			fmt.Fprintf(w, "%6s %-22s bbolt %9.1f  segments %9.1f  ratio %s (paired %s)\n", sizeName(size), name, ma, mb,
				ratio(mb, ma), pairedRatio(qcollect(a, of), qcollect(b, of)))
		}
		row("fill msgs/s", func(r *qresult) float64 { return r.fill.rate() })
		row("fill KB written/msg", func(r *qresult) float64 { return r.fill.kbPerMsg() })
		row("churn msgs/s", func(r *qresult) float64 { return r.churn.rate() })
		row("churn KB written/msg", func(r *qresult) float64 { return r.churn.kbPerMsg() })
		row("drain msgs/s", func(r *qresult) float64 { return r.drain.rate() })
		row("drain KB written/msg", func(r *qresult) float64 { return r.drain.kbPerMsg() })
		row("read p50 µs", func(r *qresult) float64 { return quantile(r.reads, 0.5) })
		row("read p99 µs", func(r *qresult) float64 { return quantile(r.reads, 0.99) })
		row("disk MB full", func(r *qresult) float64 { return float64(r.diskFill >> 20) })
		row("disk MB empty", func(r *qresult) float64 { return float64(r.diskEnd >> 20) })
	}
}

func qcollect(rs []*qresult, of func(*qresult) float64) []float64 {
	out := make([]float64, 0, len(rs))
	for _, r := range rs {
		out = append(out, of(r))
	}
	return out
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?"
	}
	return string(b[:14])
}
