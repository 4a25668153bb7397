package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// fifo holds the ids of committed, unclaimed messages in submission order:
// the queue the claimer takes from, oldest first. It gives out only what
// is beyond keep, so the queue stays keep deep while mail flows through.
type fifo struct {
	mu     sync.Mutex
	cond   *sync.Cond
	ids    []uint64
	keep   int
	closed bool
}

func newFIFO() *fifo {
	q := &fifo{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *fifo) push(ids ...uint64) {
	q.mu.Lock()
	q.ids = append(q.ids, ids...)
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *fifo) setKeep(n int) {
	q.mu.Lock()
	q.keep = n
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *fifo) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// pop waits for more than keep ids and takes up to limit of the oldest;
// nil once closed.
func (q *fifo) pop(limit int) []uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && len(q.ids) <= q.keep {
		q.cond.Wait()
	}
	if q.closed {
		return nil
	}
	n := min(len(q.ids)-q.keep, limit)
	out := append([]uint64(nil), q.ids[:n]...)
	q.ids = q.ids[n:]
	return out
}

// submitN submits n messages of size bytes from writers goroutines and
// pushes each committed id to q.
func submitN(ctx context.Context, sp *spool, q *fifo, n, writers, size int) error {
	var left atomic.Int64
	left.Store(int64(n))
	g, ctx := newGroup(ctx)
	defer g.cancel()
	for range writers {
		g.Go(func() error {
			body := makeBody(size)
			for left.Add(-1) >= 0 {
				id, err := sp.submit(ctx, body)
				if err != nil {
					return err
				}
				q.push(id)
			}
			return nil
		})
	}
	return g.Wait()
}

// makeBody is a message of size bytes: header-like lines, then text.
func makeBody(size int) []byte {
	b := make([]byte, size)
	const line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
	for i := range b {
		b[i] = line[i%len(line)]
	}
	return b
}

// delivery is the claimer and the delivery workers: claims in batches,
// reads each body back, completes it (delivered, or deferred for the
// messages defer picks while deferring is on).
type delivery struct {
	sp        *spool
	q         *fifo
	workers   int
	deferring atomic.Bool
	defer1    func(id uint64) bool

	processed chan struct{} // one per completed attempt
	stopped   chan struct{} // closed when run returns, err set
	err       error

	mu       sync.Mutex
	deferred []uint64
	reads    []time.Duration
}

// start runs the claimer and the workers until q closes or ctx ends.
func (d *delivery) start(ctx context.Context) {
	d.processed = make(chan struct{}, 1<<20)
	d.stopped = make(chan struct{})
	go func() {
		d.err = d.run(ctx)
		close(d.stopped)
	}()
}

func (d *delivery) run(ctx context.Context) error {
	work := make(chan uint64, 1024)
	g, ctx := newGroup(ctx)
	defer g.cancel()
	g.Go(func() error {
		defer close(work)
		for {
			ids := d.q.pop(256)
			if ids == nil {
				return nil
			}
			if err := d.sp.claim(ctx, ids); err != nil {
				return err
			}
			for _, id := range ids {
				select {
				case work <- id:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	})
	for range d.workers {
		g.Go(func() error {
			for id := range work {
				t0 := time.Now()
				_, loc, err := d.sp.read(id)
				if err != nil {
					return err
				}
				took := time.Since(t0)
				d.mu.Lock()
				d.reads = append(d.reads, took)
				d.mu.Unlock()
				deliver := !d.deferring.Load() || !d.defer1(id)
				if err := d.sp.complete(ctx, id, loc, deliver); err != nil {
					return err
				}
				if !deliver {
					d.mu.Lock()
					d.deferred = append(d.deferred, id)
					d.mu.Unlock()
				}
				select {
				case d.processed <- struct{}{}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// await waits for n completed attempts.
func (d *delivery) await(ctx context.Context, n int) error {
	for range n {
		select {
		case <-d.processed:
		case <-d.stopped:
			if d.err != nil {
				return fmt.Errorf("delivery: %w", d.err)
			}
			return errStopped
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// takeDeferred returns the deferred ids and forgets them.
func (d *delivery) takeDeferred() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.deferred
	d.deferred = nil
	return out
}

// takeReads returns the read latencies so far and forgets them.
func (d *delivery) takeReads() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.reads
	d.reads = nil
	return out
}

var errStopped = errors.New("delivery stopped early")

// pickDeferred chooses about frac of the ids, spread evenly.
func pickDeferred(frac float64) func(uint64) bool {
	limit := uint64(frac * 10000)
	return func(id uint64) bool { return id*2654435761%10000 < limit }
}

// group runs goroutines, keeps the first error and cancels the others'
// context on it (errgroup's shape, without a new module dependency).
type group struct {
	wg     sync.WaitGroup
	once   sync.Once
	err    error
	cancel context.CancelFunc
}

func newGroup(ctx context.Context) (*group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &group{cancel: cancel}, ctx
}

func (g *group) Go(fn func() error) {
	g.wg.Go(func() {
		if err := fn(); err != nil {
			g.once.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	})
}

func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}
