package main

import (
	"log/slog"
	"net"

	"sluice/configs"
	"sluice/metrics"
	"sluice/mta/guard"
)

// guardListener puts the per-address connection guard in front of ln.
func guardListener(name string, ln net.Listener, lc guard.ListenerConfig, log *slog.Logger, g *metrics.Guards) (*guard.Listener, error) {
	lc.Logger, lc.Metrics = log, g.Listener(name)
	gl, err := guard.Listen(ln, lc)
	if err != nil {
		return nil, err
	}
	g.RegisterListener(name, gl)
	return gl, nil
}

// authThrottle builds submission's AUTH failure throttle.
func authThrottle(s configs.Submission, log *slog.Logger, g *metrics.Guards) (*guard.Throttle, error) {
	tc := s.AuthThrottle()
	tc.Logger, tc.Metrics = log, g.Throttle()
	return guard.NewThrottle(tc)
}
