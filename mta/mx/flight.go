package mx

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// errFlightAborted is what followers see if the leader's lookup function
// panicked; it cannot happen unless this package has a bug.
var errFlightAborted = errors.New("mx: coalesced lookup aborted")

// flight is one lookup in progress; the fields other than done are written
// by the leader before done is closed.
type flight struct {
	done chan struct{}
	ans  *answer
	err  error
	// abandoned is set when the leader gave up because its own context
	// ended: followers whose contexts are still live start a new lookup
	// instead of inheriting someone else's cancellation.
	abandoned bool
}

// group coalesces concurrent lookups of the same question: the first caller
// (the leader) runs the lookup in its own goroutine, later callers wait for
// its result or for their own context. It is a small singleflight that,
// unlike golang.org/x/sync/singleflight, lets each waiter leave on its own
// context and does not hand a leader's cancellation to live waiters.
type group struct {
	mu sync.Mutex
	m  map[cacheKey]*flight
	// onJoin, when set (by tests only, before any lookup), is called each
	// time a caller joins a flight already in progress.
	onJoin func()
}

// do runs fn for k unless a run for k is in progress, in which case it waits
// for that run's result.
func (g *group) do(ctx context.Context, k cacheKey, fn func(context.Context) (*answer, error)) (*answer, error) {
	for {
		g.mu.Lock()
		if f, ok := g.m[k]; ok {
			g.mu.Unlock()
			if g.onJoin != nil {
				g.onJoin()
			}
			select {
			case <-f.done:
				if f.abandoned && ctx.Err() == nil {
					continue
				}
				return f.ans, f.err
			case <-ctx.Done():
				return nil, fmt.Errorf("mx: waiting for lookup of %s: %w", k.name, ctx.Err())
			}
		}
		if g.m == nil {
			g.m = make(map[cacheKey]*flight)
		}
		f := &flight{done: make(chan struct{}), err: errFlightAborted}
		g.m[k] = f
		g.mu.Unlock()
		g.lead(ctx, k, f, fn)
		return f.ans, f.err
	}
}

// lead runs fn and publishes its result, even if fn panics.
func (g *group) lead(ctx context.Context, k cacheKey, f *flight, fn func(context.Context) (*answer, error)) {
	defer func() {
		g.mu.Lock()
		delete(g.m, k)
		g.mu.Unlock()
		close(f.done)
	}()
	f.ans, f.err = fn(ctx)
	f.abandoned = f.err != nil && ctx.Err() != nil
}
