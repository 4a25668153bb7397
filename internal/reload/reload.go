// Package reload runs the node's reload functions when it is told to
// (SIGHUP, by convention of Unix daemons): each registered function runs
// in turn, its outcome is logged, a failure leaves the others to run, and
// the process never exits because of a signal it handles here.
package reload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Func reloads one component. It must keep the component's previous state
// in force when it fails.
type Func func(ctx context.Context) error

// Registry holds the reload functions, run in the order they were added.
// The zero value is not usable: create one with New. Safe for concurrent
// use.
type Registry struct {
	log *slog.Logger

	mu    sync.Mutex // guards funcs; runMu serialises runs
	funcs []named
	runMu sync.Mutex
}

type named struct {
	name string
	fn   Func
}

// New returns an empty Registry logging to log (default slog.Default()).
func New(log *slog.Logger) *Registry {
	if log == nil {
		log = slog.Default()
	}
	return &Registry{log: log}
}

// Add registers fn under name (for the logs: "edge certificate").
func (r *Registry) Add(name string, fn Func) {
	r.mu.Lock()
	r.funcs = append(r.funcs, named{name, fn})
	r.mu.Unlock()
}

// Run calls every function, one at a time, each even when an earlier one
// failed, logs each outcome, and returns the failures joined (nil when all
// succeeded). Two runs never overlap: a second signal during a run waits
// for it.
func (r *Registry) Run(ctx context.Context) error {
	r.runMu.Lock()
	defer r.runMu.Unlock()
	r.mu.Lock()
	funcs := append([]named(nil), r.funcs...)
	r.mu.Unlock()
	var errs []error
	for _, f := range funcs {
		start := time.Now()
		if err := f.fn(ctx); err != nil {
			r.log.Error("reload failed, previous state kept", "component", f.name, "err", err)
			errs = append(errs, fmt.Errorf("reload %s: %w", f.name, err))
			continue
		}
		r.log.Info("reloaded", "component", f.name, "took", time.Since(start).Round(time.Microsecond).String())
	}
	return errors.Join(errs...)
}

// Listen runs the registry once for every value received on sigs, until
// ctx is done or sigs is closed. Errors are logged by Run, not returned:
// a failed reload never stops the process.
func (r *Registry) Listen(ctx context.Context, sigs <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-sigs:
			if !ok {
				return
			}
			name := "reload"
			if sig != nil {
				name = sig.String()
			}
			r.log.Info("reload requested", "signal", name)
			_ = r.Run(ctx)
		}
	}
}

// OnSIGHUP makes SIGHUP run the registry instead of killing the process
// (Go's default for SIGHUP), until the returned stop is called; stop
// waits for a run in progress and restores the default. A process that
// calls it lives through any number of SIGHUPs.
func (r *Registry) OnSIGHUP(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	sigs := make(chan os.Signal, 1) // one pending signal: more during a run fold into it
	signal.Notify(sigs, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Listen(ctx, sigs)
	}()
	return func() {
		signal.Stop(sigs)
		cancel()
		<-done
	}
}
