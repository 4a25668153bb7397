// Package lifecycle runs a program's long-lived parts in a declared order
// and stops them in reverse: what started first stops last, so each part
// can rely on everything declared before it (a store) until it has
// stopped (the server writing to it).
//
// A part is a Run (a server's Serve, a background loop) and a Stop (a
// server's Shutdown, a store's Close), either optional. At its turn to
// stop, a part's Run context is cancelled, its Stop runs, and the group
// waits for its Run to return before the next part's turn. What must
// happen only after a loop has returned (closing the store it writes) is
// therefore a part of its own declared before the loop's.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Part is one thing a Group runs and stops.
type Part struct {
	// Name names the part in its errors.
	Name string
	// Off leaves the part out (not configured); Add ignores it.
	Off bool
	// Run, when set, runs in a goroutine of its own from Start; its
	// context is cancelled at the part's turn to stop. An error it
	// returns, other than a listener or HTTP server closed on purpose,
	// is reported on Failed.
	Run func(ctx context.Context) error
	// Stop, when set, runs at the part's turn, after Run's context is
	// cancelled and before the group waits for Run to return.
	Stop func(ctx context.Context) error
	// Timeout, when positive, bounds Stop with a deadline of its own,
	// whether or not the context given to Group.Stop has ended (a store
	// closes even after the grace period ran out). Zero: Stop gets
	// Group.Stop's context.
	Timeout time.Duration
	// Warn, when set, is the message with which Stop's error is logged
	// (Group.Logger) instead of returned by Group.Stop: a part whose
	// failure to stop must not fail the program (what it could not write
	// stays for the next start).
	Warn string
}

// Closer is a Stop that closes c (a store, a listener), ignoring the
// context.
func Closer(c interface{ Close() error }) func(context.Context) error {
	return func(context.Context) error { return c.Close() }
}

// Group is parts in their start order. Its zero value is ready to use;
// it is not for concurrent Add, Start and Stop.
type Group struct {
	// Logger receives the errors of parts with a Warn. Default
	// slog.Default().
	Logger *slog.Logger

	parts  []*running
	failed chan error
}

type running struct {
	Part
	cancel context.CancelFunc
	done   chan struct{}
}

// Add appends parts, in start order, leaving out those that are Off.
func (g *Group) Add(parts ...Part) {
	for _, p := range parts {
		if !p.Off {
			g.parts = append(g.parts, &running{Part: p})
		}
	}
}

// Start starts every part's Run, in order. Call it once.
func (g *Group) Start() {
	g.failed = make(chan error, len(g.parts))
	for _, p := range g.parts {
		if p.Run == nil {
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		p.cancel, p.done = cancel, make(chan struct{})
		go func() {
			defer close(p.done)
			if err := p.Run(ctx); err != nil && !closed(err) {
				g.failed <- fmt.Errorf("%s: %w", p.Name, err)
			}
		}()
	}
}

// Failed receives the error of each Run that failed.
func (g *Group) Failed() <-chan error { return g.failed }

// Stop stops the parts in reverse order (those of a group never started
// too: their Stop alone) and returns their Stop errors joined, each
// prefixed with its part's name (those of parts with a Warn are logged
// instead). ctx bounds every Stop without a Timeout
// of its own.
func (g *Group) Stop(ctx context.Context) error {
	var errs []error
	for i := len(g.parts) - 1; i >= 0; i-- {
		p := g.parts[i]
		err := p.stop(ctx)
		switch {
		case err == nil:
		case p.Warn != "":
			g.logger().Warn(p.Warn, "part", p.Name, "err", err)
		default:
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
		}
	}
	g.parts = nil
	return errors.Join(errs...)
}

func (g *Group) logger() *slog.Logger {
	if g.Logger == nil {
		return slog.Default()
	}
	return g.Logger
}

func (p *running) stop(ctx context.Context) (err error) {
	if p.cancel != nil {
		p.cancel()
	}
	if p.Stop != nil {
		sctx := ctx
		if p.Timeout > 0 {
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), p.Timeout)
			defer cancel()
		}
		err = p.Stop(sctx)
	}
	if p.done != nil {
		<-p.done
	}
	return err
}

// closed tells the errors of a listener or server closed on purpose.
func closed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed)
}
