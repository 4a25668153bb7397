package reputation

import (
	"context"
	"errors"
)

// Background is a guard's Run in a goroutine of its own, from Start to
// Stop: the events store's writer hands the guard its batches (Hook) and
// never waits for the counting.
type Background struct {
	g      *Guard
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs g.Run in its own goroutine until Stop. Start it once the
// store whose InTx calls Hook is open (Run loads the saved windows from
// it), and stop it before that store closes. A Run that fails (the saved
// windows unreadable) is logged; the store's writer goes on.
func (g *Guard) Start() *Background {
	ctx, cancel := context.WithCancel(context.Background())
	b := &Background{g: g, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		if err := g.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			g.d.Logger.Error("reputation guard stopped", "err", err)
		}
	}()
	return b
}

// Stop ends Run, which counts what it was handed and saves the windows,
// and waits for it; it returns ctx's error if ctx ends first (the guard
// is still saving). A nil Background stops nothing.
func (b *Background) Stop(ctx context.Context) error {
	if b == nil {
		return nil
	}
	b.cancel()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
