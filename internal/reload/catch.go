package reload

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Catcher holds SIGHUP from the first line of a long-running command until
// the registry it will run exists, so that a SIGHUP arriving during
// start-up neither kills the process (Go's default) nor is lost: it runs
// the registry as soon as Serve is called. [Registry.OnSIGHUP] is the
// same for a process whose registry exists from the start.
type Catcher struct {
	sigs   chan os.Signal
	cancel context.CancelFunc
	done   chan struct{}
}

// CatchSIGHUP starts catching SIGHUP. Call Stop when the command ends.
func CatchSIGHUP() *Catcher {
	c := &Catcher{sigs: make(chan os.Signal, 1)} // one pending: more during a run fold into it
	signal.Notify(c.sigs, syscall.SIGHUP)
	return c
}

// Serve runs r once per SIGHUP from now on (one caught earlier runs at
// once), until Stop. A failed reload is logged by r and keeps what was in
// force. Call it at most once.
func (c *Catcher) Serve(r *Registry) {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		r.Listen(ctx, c.sigs)
	}()
}

// Stop waits for a reload in progress and stops catching SIGHUP (the
// default, which ends the process, is back).
func (c *Catcher) Stop() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
	}
	signal.Stop(c.sigs)
}
