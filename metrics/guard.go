package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/mta/guard"
)

// Guards are the connection and AUTH guards' metrics. Labels: listener is
// submission or inbound; reason is one of mta/guard's fixed sets (see
// guard.ListenerMetrics and guard.ThrottleMetrics).
type Guards struct {
	reg               *prometheus.Registry
	accepted, refused *prometheus.CounterVec
	preAuthCut        *prometheus.CounterVec
	authRefused       *prometheus.CounterVec
	lockouts          *prometheus.CounterVec
	authFailures      prometheus.Counter
	authDelay         prometheus.Histogram
}

// Guards registers the guards' metrics (a process with SMTP listeners
// calls it once).
func (m *Set) Guards() *Guards {
	g := &Guards{
		reg: m.reg,
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
	m.reg.MustRegister(g.accepted, g.refused, g.preAuthCut, g.authRefused, g.lockouts, g.authFailures, g.authDelay)
	return g
}

// Listener returns the hooks of the connection guard of listener name
// (submission or inbound).
func (g *Guards) Listener(name string) guard.ListenerMetrics {
	return guard.ListenerMetrics{
		Accepted:   g.accepted.WithLabelValues(name).Inc,
		Refused:    func(reason string) { g.refused.WithLabelValues(name, reason).Inc() },
		PreAuthCut: func(reason string) { g.preAuthCut.WithLabelValues(name, reason).Inc() },
	}
}

// ListenerStats is a guarded listener (*guard.Listener) as the metrics
// read it.
type ListenerStats interface {
	Stats() guard.Stats
}

// RegisterListener adds the open and not-yet-authenticated connection
// gauges of listener name, read from l at scrape time.
func (g *Guards) RegisterListener(name string, l ListenerStats) {
	g.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sluice_smtp_connections_open", Help: "Open SMTP connections.", ConstLabels: prometheus.Labels{"listener": name},
	}, func() float64 { return float64(l.Stats().Conns) }))
	g.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sluice_smtp_connections_preauth", Help: "Open SMTP connections not yet authenticated.", ConstLabels: prometheus.Labels{"listener": name},
	}, func() float64 { return float64(l.Stats().PreAuth) }))
}

// Throttle returns the hooks of submission's AUTH failure throttle.
func (g *Guards) Throttle() guard.ThrottleMetrics {
	return guard.ThrottleMetrics{
		Delayed: func(d time.Duration) { g.authDelay.Observe(d.Seconds()) },
		Refused: func(reason string) { g.authRefused.WithLabelValues(reason).Inc() },
		Lockout: func(scope string) { g.lockouts.WithLabelValues(scope).Inc() },
		Failed:  g.authFailures.Inc,
	}
}
