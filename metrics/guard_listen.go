package metrics

import (
	"log/slog"
	"net"

	"sluice/mta/guard"
)

// Listen puts the connection guard lc in front of ln, as listener name
// (submission or inbound): its refusals and cuts counted (Listener), its
// open and pre-auth connections exported as gauges (RegisterListener).
// log receives the guard's refusals.
func (g *Guards) Listen(name string, ln net.Listener, lc guard.ListenerConfig, log *slog.Logger) (*guard.Listener, error) {
	lc.Logger, lc.Metrics = log, g.Listener(name)
	gl, err := guard.Listen(ln, lc)
	if err != nil {
		return nil, err
	}
	g.RegisterListener(name, gl)
	return gl, nil
}

// NewThrottle builds submission's AUTH failure throttle tc with its
// hooks counted (Throttle); log receives its lockouts.
func (g *Guards) NewThrottle(tc guard.ThrottleConfig, log *slog.Logger) (*guard.Throttle, error) {
	tc.Logger, tc.Metrics = log, g.Throttle()
	return guard.NewThrottle(tc)
}
