package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"sluice/internal/event"
	"sluice/mta/submit"
)

// Set holds the metrics every sluice process has (Go runtime, process,
// submission, delivery, returns, shaping, spool commits) on its own
// registry; the Register methods add the collectors of the stores and
// servers a process runs.
type Set struct {
	reg *prometheus.Registry

	subMessages   *prometheus.CounterVec // tenant
	subRcpts      *prometheus.CounterVec // tenant
	subBytes      *prometheus.CounterVec // tenant
	subRejections *prometheus.CounterVec // reason: see submit.Metrics.Rejected
	subSessions   prometheus.Gauge
	subLatency    prometheus.Histogram
	dkimUnsigned  *prometheus.CounterVec // tenant

	delRcpts    *prometheus.CounterVec // result: event.Outcomes (delivered, deferred, failed, suppressed)
	delLatency  prometheus.Histogram
	delConns    prometheus.Gauge
	connDropped *prometheus.CounterVec // reason: slow

	returns *prometheus.CounterVec // path: sync, inbound; class: the bounce classes, unattributed

	shapingTransitions *prometheus.CounterVec // rule: configured rule names; to: normal, backoff, suspended

	commitSeconds prometheus.Histogram
	commitWrites  prometheus.Histogram
	commitErrors  prometheus.Counter

	deskFams desk // registered on first use (desk.go)
}

// New returns a Set on a new registry.
func New() *Set {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Set{
		reg: reg,
		subMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_submission_messages_total", Help: "Messages accepted (durably queued) by the submission server.",
		}, []string{"tenant"}),
		subRcpts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_submission_recipients_total", Help: "Recipients of accepted messages.",
		}, []string{"tenant"}),
		subBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_submission_bytes_total", Help: "Bytes of accepted messages, as stored.",
		}, []string{"tenant"}),
		subRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_submission_rejections_total",
			Help: "Refused submission commands by reason (auth_required, auth_failed, sender_domain, too_many_recipients, too_large, line_too_long, bad_address, bad_stream, bad_priority, pool, unsignable, unsigned, store, disk_full, shutting_down, too_many_sessions).",
		}, []string{"reason"}),
		subSessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_submission_sessions", Help: "Open submission SMTP sessions.",
		}),
		subLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sluice_submission_latency_seconds",
			Help:    "Time from the end of a message's data to its 250: checks, rewriting, signing and the durable (fsync'd) commit.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}),
		dkimUnsigned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_dkim_unsigned_messages_total", Help: "Accepted messages sent unsigned because no DKIM key matched their From domain.",
		}, []string{"tenant"}),
		delRcpts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_delivery_recipients_total", Help: "Recipient delivery outcomes by result (" + event.Join(event.Outcomes(), ", ") + ").",
		}, []string{"result"}),
		delLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sluice_delivery_latency_seconds",
			Help:    "Time from acceptance to successful delivery of a recipient.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600},
		}),
		connDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_delivery_connections_dropped_total",
			Help: "Outbound connections the engine closed of its own accord, by reason (slow: much slower than the site's others, a tarpit).",
		}, []string{"reason"}),
		delConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_delivery_connections", Help: "Open outbound SMTP connections.",
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sluice_queue_commit_seconds",
			Help:    "Duration of one spool group commit, fsync included.",
			Buckets: []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1},
		}),
		commitWrites: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sluice_queue_commit_writes",
			Help:    "Writes (enqueues, claims, completions) carried by one group commit.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		returns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_returns_total",
			Help: "Classified failures by path (sync: a delivery reply; inbound: a returned message) and class (the nine bounce classes, plus unattributed).",
		}, []string{"path", "class"}),
		shapingTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_shaping_transitions_total",
			Help: "Shaping state changes of destination sites, by governing rule (a configured name) and new state (normal, backoff, suspended).",
		}, []string{"rule", "to"}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_queue_commit_errors_total", Help: "Spool commits that failed.",
		}),
	}
	registerBuildInfo(reg)
	reg.MustRegister(m.subMessages, m.subRcpts, m.subBytes, m.subRejections, m.subSessions, m.subLatency, m.dkimUnsigned,
		m.delRcpts, m.delLatency, m.delConns, m.connDropped, m.returns, m.shapingTransitions, m.commitSeconds, m.commitWrites, m.commitErrors)
	return m
}

// Registry is the Set's registry, for the admin API's /metrics and for
// metrics a caller adds.
func (m *Set) Registry() *prometheus.Registry { return m.reg }

// ObserveCommit is the spool's commit hook (queue.Options.Observe).
func (m *Set) ObserveCommit(d time.Duration, writes int, err error) {
	if err != nil {
		m.commitErrors.Inc()
		return
	}
	m.commitSeconds.Observe(d.Seconds())
	m.commitWrites.Observe(float64(writes))
}

// SubmitHooks are the submission server's metrics hooks.
func (m *Set) SubmitHooks() submit.Metrics {
	return submit.Metrics{
		SessionOpened: m.subSessions.Inc,
		SessionClosed: m.subSessions.Dec,
		Accepted: func(tenant string, bytes, rcpts int) {
			m.subMessages.WithLabelValues(tenant).Inc()
			m.subRcpts.WithLabelValues(tenant).Add(float64(rcpts))
			m.subBytes.WithLabelValues(tenant).Add(float64(bytes))
		},
		Rejected: func(reason string) { m.subRejections.WithLabelValues(reason).Inc() },
		Unsigned: func(tenant string) { m.dkimUnsigned.WithLabelValues(tenant).Inc() },
		Latency:  func(d time.Duration) { m.subLatency.Observe(d.Seconds()) },
	}
}

// Outcome counts one recipient's delivery outcome (one of
// event.Outcomes); latency, from acceptance, is observed for deliveries.
func (m *Set) Outcome(kind event.Kind, latency time.Duration) {
	m.delRcpts.WithLabelValues(string(kind)).Inc()
	if kind == event.Delivered {
		m.delLatency.Observe(latency.Seconds())
	}
}

// ConnOpened and ConnClosed track open outbound connections
// (delivery.Config.ConnOpened, ConnClosed).
func (m *Set) ConnOpened() { m.delConns.Inc() }

// ConnClosed: see ConnOpened.
func (m *Set) ConnClosed() { m.delConns.Dec() }

// ConnDropped counts a connection the engine closed of its own accord
// (delivery.Config.ConnDropped; reason: slow).
func (m *Set) ConnDropped(reason string) { m.connDropped.WithLabelValues(reason).Inc() }

// Return counts one classified failure: path is "sync" (a delivery
// reply) or "inbound" (a returned message); class is a bounce class or
// "unattributed".
func (m *Set) Return(path, class string) { m.returns.WithLabelValues(path, class).Inc() }

// ShapingTransition counts a site's change of shaping state under rule
// (a configured rule name) to state to (normal, backoff, suspended).
func (m *Set) ShapingTransition(rule, to string) {
	m.shapingTransitions.WithLabelValues(rule, to).Inc()
}
