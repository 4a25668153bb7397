package fleet

import (
	"context"
	"math"
	"sync"
	"time"

	"sluice/mta/shaping"
)

// Throttles is the fleet's shared shaping state as a shaping.Policy takes
// it (shaping.Options.Shared): connection slots from Leases, the rate from
// Rate (GCRA reservations), backoff from Backoff, all keyed
// "source|site". Every call answers: with Redis down, Leases and Rate
// count against this node's share of each limit and Backoff answers from
// its cache (Stats().DegradedCalls counts those answers), so mail goes on.
type Throttles struct {
	ctx     context.Context
	leases  *Leases
	rate    *Rate
	backoff *Backoff

	mu   sync.Mutex
	held map[string][]*Lease // by key: the slots this node holds
}

var _ shaping.Shared = (*Throttles)(nil)

// Throttles returns the shared shaping state over l, r and b (from this
// client). ctx bounds every Redis call (the node's lifetime); each call is
// also bounded by Options.Timeout.
func (c *Client) Throttles(ctx context.Context, l *Leases, r *Rate, b *Backoff) *Throttles {
	return &Throttles{ctx: ctx, leases: l, rate: r, backoff: b, held: map[string][]*Lease{}}
}

// AcquireConn takes one of limit fleet-wide slots of key.
func (t *Throttles) AcquireConn(key string, limit int) bool {
	ls, ok, err := t.leases.Acquire(t.ctx, key, limit)
	if err != nil || !ok {
		// err: the node is stopping (ctx): no new connection then.
		return false
	}
	t.mu.Lock()
	t.held[key] = append(t.held[key], ls)
	t.mu.Unlock()
	return true
}

// ReleaseConn gives back one slot of key (any: slots of a key are
// interchangeable). A release with none held does nothing.
func (t *Throttles) ReleaseConn(key string) {
	t.mu.Lock()
	h := t.held[key]
	if len(h) == 0 {
		t.mu.Unlock()
		return
	}
	ls := h[len(h)-1]
	h[len(h)-1] = nil
	if h = h[:len(h)-1]; len(h) == 0 {
		delete(t.held, key)
	} else {
		t.held[key] = h
	}
	t.mu.Unlock()
	// Past the node's lifetime too: a slot left behind would hold a
	// fleet-wide connection for a whole TTL.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), t.leases.c.opts.Timeout)
	defer cancel()
	ls.Release(ctx)
}

// Reserve takes n messages from key's fleet-wide rate.
func (t *Throttles) Reserve(key string, rate, burst float64, n int) time.Duration {
	b := 1
	if burst >= 1 && burst < math.MaxInt32 {
		b = int(burst)
	}
	w, err := t.rate.Reserve(t.ctx, key, rate, b, n)
	if err != nil {
		return 0 // stopping: the engine's own wait ends with it
	}
	return w
}

// Throttled shares a cut of key's limits until until.
func (t *Throttles) Throttled(key string, until time.Time) {
	t.backoff.Report(t.ctx, key, until)
}

// Backoff returns the latest until any node reported for key (cached).
func (t *Throttles) Backoff(key string) time.Time {
	return t.backoff.Until(t.ctx, key)
}

// Held returns the number of fleet-wide slots this node holds for key.
func (t *Throttles) Held(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.held[key])
}
