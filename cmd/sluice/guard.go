package main

import (
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/configs"
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

// guardMetrics are the connection and AUTH guards' metrics. Labels:
// listener is submission or inbound; reason is one of mta/guard's fixed
// sets (see guard.ListenerMetrics and guard.ThrottleMetrics).
type guardMetrics struct {
	accepted, refused *prometheus.CounterVec
	preAuthCut        *prometheus.CounterVec
	authRefused       *prometheus.CounterVec
	lockouts          *prometheus.CounterVec
	authFailures      prometheus.Counter
	authDelay         prometheus.Histogram
}

func newGuardMetrics(reg *prometheus.Registry) *guardMetrics {
	g := &guardMetrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_smtp_connections_accepted_total", Help: "SMTP connections admitted by the per-address guard.",
		}, []string{"listener"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_smtp_connections_refused_total",
			Help: "SMTP connections refused at accept (reason: total, preauth, per_addr, preauth_per_addr, proxy_header).",
		}, []string{"listener", "reason"}),
		preAuthCut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_smtp_preauth_cut_total",
			Help: "Connections cut before AUTH (reason: timeout, the pre-auth deadline from accept; commands, too many commands).",
		}, []string{"listener", "reason"}),
		authRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_submission_auth_refused_total",
			Help: "AUTH attempts refused by the failure throttle (reason: locked, concurrent, busy, session_limit, canceled).",
		}, []string{"reason"}),
		lockouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_submission_auth_lockouts_total", Help: "AUTH lockouts begun (scope: addr, pair).",
		}, []string{"scope"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_submission_auth_failures_total", Help: "Failed password verifications.",
		}),
		authDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sluice_submission_auth_delay_seconds", Help: "Delays imposed before throttled AUTH attempts.",
			Buckets: []float64{1, 2, 4, 8, 16},
		}),
	}
	reg.MustRegister(g.accepted, g.refused, g.preAuthCut, g.authRefused, g.lockouts, g.authFailures, g.authDelay)
	return g
}

// guardListener puts the per-address connection guard in front of ln.
func guardListener(name string, ln net.Listener, lc guard.ListenerConfig, log *slog.Logger, g *guardMetrics, reg *prometheus.Registry) (*guard.Listener, error) {
	lc.Logger = log
	lc.Metrics = guard.ListenerMetrics{
		Accepted:   g.accepted.WithLabelValues(name).Inc,
		Refused:    func(reason string) { g.refused.WithLabelValues(name, reason).Inc() },
		PreAuthCut: func(reason string) { g.preAuthCut.WithLabelValues(name, reason).Inc() },
	}
	gl, err := guard.Listen(ln, lc)
	if err != nil {
		return nil, err
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sluice_smtp_connections_open", Help: "Open SMTP connections.", ConstLabels: prometheus.Labels{"listener": name},
	}, func() float64 { return float64(gl.Stats().Conns) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sluice_smtp_connections_preauth", Help: "Open SMTP connections not yet authenticated.", ConstLabels: prometheus.Labels{"listener": name},
	}, func() float64 { return float64(gl.Stats().PreAuth) }))
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
func authThrottle(s configs.Submission, log *slog.Logger, g *guardMetrics) (*guard.Throttle, error) {
	return guard.NewThrottle(guard.ThrottleConfig{
		FreeFailures: s.AuthFailuresFree, PairLimit: s.AuthLockoutAfter, AddrLimit: 3 * s.AuthLockoutAfter,
		LockFor: s.AuthLockout.Duration, MaxVerify: s.AuthMaxConcurrentChecks, Logger: log,
		Metrics: guard.ThrottleMetrics{
			Delayed: func(d time.Duration) { g.authDelay.Observe(d.Seconds()) },
			Refused: func(reason string) { g.authRefused.WithLabelValues(reason).Inc() },
			Lockout: func(scope string) { g.lockouts.WithLabelValues(scope).Inc() },
			Failed:  g.authFailures.Inc,
		},
	})
}
