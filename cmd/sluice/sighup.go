package main

import "sluice/internal/reload"

// sighup catches SIGHUP from the first line of a long-running command
// (reload.Catcher: one during start-up waits for the registry).
type sighup struct{ c *reload.Catcher }

func catchSIGHUP() sighup                 { return sighup{reload.CatchSIGHUP()} }
func (h sighup) serve(r *reload.Registry) { h.c.Serve(r) }
func (h sighup) stop()                    { h.c.Stop() }
