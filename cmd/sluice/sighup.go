package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"sluice/internal/reload"
)

// sighup catches SIGHUP from the first line of a long-running command, so
// that one arriving during start-up neither kills the process (Go's
// default for SIGHUP) nor is lost: it waits until serve hands the signals
// to the reload registry.
type sighup struct {
	sigs   chan os.Signal
	cancel context.CancelFunc
	done   chan struct{}
}

// catchSIGHUP starts catching SIGHUP. Call stop when the command ends.
func catchSIGHUP() *sighup {
	h := &sighup{sigs: make(chan os.Signal, 1)} // one pending: more during a reload fold into it
	signal.Notify(h.sigs, syscall.SIGHUP)
	return h
}

// serve runs r once per SIGHUP from now on (one caught earlier runs at
// once). A failed reload is logged by r and keeps what was in force.
func (h *sighup) serve(r *reload.Registry) {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		r.Listen(ctx, h.sigs)
	}()
}

// stop waits for a reload in progress and stops catching SIGHUP.
func (h *sighup) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
	}
	signal.Stop(h.sigs)
}
