package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// phase is what one phase of a run cost.
type phase struct {
	n          int // messages
	elapsed    time.Duration
	fsyncs     int64
	writeBytes int64 // /proc/self/io write_bytes
}

func (p phase) rate() float64         { return float64(p.n) / p.elapsed.Seconds() }
func (p phase) fsyncsPerMsg() float64 { return float64(p.fsyncs) / float64(p.n) }
func (p phase) kbPerMsg() float64     { return float64(p.writeBytes) / float64(p.n) / 1024 }

// diskUse is the space the spool holds at one moment.
type diskUse struct {
	dbBytes, segBytes int64
	segFiles          int
	dbFree            int64 // bbolt pages free or pending, in bytes
}

func (u diskUse) total() int64 { return u.dbBytes + u.segBytes }

// result is one run: one design, one size.
type result struct {
	design design
	size   int
	depth  int

	fill, churn, drain phase
	compact            phase
	moved              int
	copied             int64 // bytes compaction rewrote
	submitted          int64 // body bytes submitted in the run

	churnReads, drainReads []time.Duration
	afterFill, afterChurn  diskUse
	afterCompact           diskUse
	afterDrain             diskUse
}

type runOptions struct {
	dir                 string
	depthBytes          int64
	cycles              int
	writers, deliverers int
	deferFrac           float64
	compactBelow        float64
	spool               spoolOptions
}

// runOne runs one design at one message size in a fresh directory:
//
//   - fill: the writers submit depth messages (depthBytes of bodies);
//   - churn: cycles×depth more go through, submitted and delivered at
//     once with the queue held depth deep; deferFrac of them are deferred
//     (they stay, as mail to a site that is down does);
//   - compact (design B): sparse sealed segments are rewritten;
//   - drain: everything left is delivered, the deferred mail too.
func runOne(ctx context.Context, o runOptions, d design, size int) (result, error) {
	r := result{design: d, size: size, depth: max(1, int(o.depthBytes/int64(size)))}
	dir, err := os.MkdirTemp(o.dir, "segbench-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	sp, err := openSpool(dir, d, o.spool)
	if err != nil {
		return r, err
	}
	defer sp.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	q := newFIFO()
	defer q.close()
	churnN := o.cycles * r.depth
	r.submitted = int64(r.depth+churnN) * int64(size)

	if r.fill, err = sp.measure(r.depth, func() error { return submitN(ctx, sp, q, r.depth, o.writers, size) }); err != nil {
		return r, fmt.Errorf("fill: %w", err)
	}
	r.afterFill = sp.disk()

	q.setKeep(r.depth)
	dl := &delivery{sp: sp, q: q, workers: o.deliverers, defer1: pickDeferred(o.deferFrac)}
	dl.deferring.Store(true)
	dl.start(ctx)
	r.churn, err = sp.measure(churnN, func() error {
		if err := submitN(ctx, sp, q, churnN, o.writers, size); err != nil {
			return err
		}
		return dl.await(ctx, churnN)
	})
	if err != nil {
		return r, fmt.Errorf("churn: %w", err)
	}
	r.churnReads = dl.takeReads()
	r.afterChurn = sp.disk()

	r.afterCompact = r.afterChurn
	if d == inSegments && o.compactBelow > 0 {
		r.compact, err = sp.measure(1, func() error {
			var err error
			r.moved, r.copied, err = sp.compact(ctx, o.compactBelow)
			return err
		})
		if err != nil {
			return r, err
		}
		r.afterCompact = sp.disk()
	}

	dl.deferring.Store(false)
	left := dl.takeDeferred()
	n := r.depth + len(left)
	q.push(left...)
	q.setKeep(0)
	if r.drain, err = sp.measure(n, func() error { return dl.await(ctx, n) }); err != nil {
		return r, fmt.Errorf("drain: %w", err)
	}
	r.drainReads = dl.takeReads()
	r.afterDrain = sp.disk()
	q.close()
	<-dl.stopped
	return r, dl.err
}

// measure runs fn and returns what it cost.
func (sp *spool) measure(n int, fn func() error) (phase, error) {
	w0, err := writeBytes()
	if err != nil {
		return phase{}, err
	}
	f0, t0 := sp.fsyncs(), time.Now()
	if err := fn(); err != nil {
		return phase{}, err
	}
	p := phase{n: n, elapsed: time.Since(t0), fsyncs: sp.fsyncs() - f0}
	w1, err := writeBytes()
	p.writeBytes = w1 - w0
	return p, err
}

func (sp *spool) disk() diskUse {
	u := diskUse{dbBytes: sp.fileSize()}
	st := sp.db.Stats()
	u.dbFree = int64(st.FreePageN+st.PendingPageN) * int64(sp.db.Info().PageSize)
	if sp.segs != nil {
		u.segFiles, u.segBytes = sp.segs.usage()
	}
	return u
}
