package main

import (
	"log/slog"
	"net"
	"net/netip"

	"sluice/configs"
	"sluice/metrics"
	"sluice/mta/guard"
)

// prefixes parses CIDRs that configs has validated.
func prefixes(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

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

// submissionGuard is the submission listener's per-address limits.
func submissionGuard(s configs.Submission) guard.ListenerConfig {
	return guard.ListenerConfig{
		MaxConns: s.MaxSessions, MaxPreAuth: s.MaxPreAuth,
		MaxConnsPerAddr: s.MaxConnsPerIP, MaxPreAuthPerAddr: s.MaxPreAuthPerIP,
		PreAuthTimeout: s.PreAuthTimeout.Duration, MaxPreAuthCommands: s.MaxPreAuthCommands,
		Trusted: prefixes(s.TrustedNetworks), ProxyFrom: prefixes(s.ProxyProtocolFrom),
	}
}

// inboundGuard is the inbound MX's: connection caps only (its clients
// never authenticate).
func inboundGuard(in configs.Inbound) guard.ListenerConfig {
	return guard.ListenerConfig{MaxConns: in.MaxConns, MaxConnsPerAddr: in.MaxConnsPerIP, ProxyFrom: prefixes(in.ProxyProtocolFrom)}
}

// authThrottle builds submission's AUTH failure throttle.
func authThrottle(s configs.Submission, log *slog.Logger, g *metrics.Guards) (*guard.Throttle, error) {
	return guard.NewThrottle(guard.ThrottleConfig{
		FreeFailures: s.AuthFailuresFree, PairLimit: s.AuthLockoutAfter, AddrLimit: 3 * s.AuthLockoutAfter,
		LockFor: s.AuthLockout.Duration, MaxVerify: s.AuthMaxConcurrentChecks, Logger: log,
		Metrics: g.Throttle(),
	})
}
