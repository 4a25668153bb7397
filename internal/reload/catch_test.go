package reload_test

import (
	"context"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"sluice/internal/reload"
)

// A SIGHUP that arrives before the registry is served neither kills the
// process nor is lost: Serve runs the registry for it.
func TestCatcherKeepsEarlySignal(t *testing.T) {
	c := reload.CatchSIGHUP()
	defer c.Stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	r := reload.New(slog.New(slog.DiscardHandler))
	ran := make(chan struct{}, 1)
	r.Add("x", func(context.Context) error { ran <- struct{}{}; return nil })
	c.Serve(r)
	select {
	case <-ran:
	case <-time.After(10 * time.Second): // a bound on a failure, not a wait
		t.Fatal("the SIGHUP caught before Serve did not run the registry")
	}
}

// Stop before Serve only stops catching.
func TestCatcherStopWithoutServe(t *testing.T) {
	reload.CatchSIGHUP().Stop()
}
