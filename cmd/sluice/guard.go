package main

import (
	"log/slog"
	"net"

	"sluice/metrics"
	"sluice/mta/guard"
)

// guardListener puts the per-address connection guard in front of ln
// (metrics.Guards.Listen).
func guardListener(name string, ln net.Listener, lc guard.ListenerConfig, log *slog.Logger, g *metrics.Guards) (*guard.Listener, error) {
	return g.Listen(name, ln, lc, log)
}
