package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"sluice/internal/clock"
	"sluice/internal/event"
	"sluice/mta/delivery"
	"sluice/mta/submit"
	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// metrics holds every sluice_ metric of a node, registered on its own
// registry (no global state). Label values are bounded: tenant names come
// from the config, reasons and results from fixed sets named at each
// metric.
type metrics struct {
	reg *prometheus.Registry

	subMessages   *prometheus.CounterVec // tenant
	subRcpts      *prometheus.CounterVec // tenant
	subBytes      *prometheus.CounterVec // tenant
	subRejections *prometheus.CounterVec // reason: see submit.Metrics.Rejected
	subSessions   prometheus.Gauge
	dkimUnsigned  *prometheus.CounterVec // tenant

	delRcpts    *prometheus.CounterVec // result: event.Outcomes (delivered, deferred, failed, suppressed)
	delLatency  prometheus.Histogram
	delConns    prometheus.Gauge
	connDropped *prometheus.CounterVec // reason: slow

	returns *prometheus.CounterVec // path: sync, inbound; class: the bounce classes

	shapingTransitions *prometheus.CounterVec // rule: configured rule names; to: normal, backoff, suspended

	commitSeconds prometheus.Histogram
	commitWrites  prometheus.Histogram
	commitErrors  prometheus.Counter
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &metrics{
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
			Help: "Refused submission commands by reason (auth_required, auth_failed, sender_domain, too_many_recipients, too_large, line_too_long, bad_address, bad_stream, pool, unsignable, store, disk_full, shutting_down, too_many_sessions).",
		}, []string{"reason"}),
		subSessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_submission_sessions", Help: "Open submission SMTP sessions.",
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
	reg.MustRegister(m.subMessages, m.subRcpts, m.subBytes, m.subRejections, m.subSessions, m.dkimUnsigned,
		m.delRcpts, m.delLatency, m.delConns, m.connDropped, m.returns, m.shapingTransitions, m.commitSeconds, m.commitWrites, m.commitErrors)
	return m
}

// observeCommit is the spool's commit hook.
func (m *metrics) observeCommit(d time.Duration, writes int, err error) {
	if err != nil {
		m.commitErrors.Inc()
		return
	}
	m.commitSeconds.Observe(d.Seconds())
	m.commitWrites.Observe(float64(writes))
}

func (m *metrics) submitHooks() submit.Metrics {
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
	}
}

func (m *metrics) deliveryEvent(ev delivery.Event) {
	m.delRcpts.WithLabelValues(string(ev.Kind)).Inc()
	if ev.Kind == event.Delivered {
		m.delLatency.Observe(ev.Latency.Seconds())
	}
}

// queueCollector reads the spool's counters at scrape time.
type queueCollector struct {
	store    *queue.Store
	inflight func() int64
	now      func() time.Time

	rcpts, messages, oldest, claimed *prometheus.Desc
}

func newQueueCollector(s *queue.Store, inflight func() int64) *queueCollector {
	return &queueCollector{
		store: s, inflight: inflight, now: clock.Now,
		rcpts: prometheus.NewDesc("sluice_queue_recipients",
			"Recipients in the spool by state (queued, in_flight, deferred).", []string{"state"}, nil),
		messages: prometheus.NewDesc("sluice_queue_messages", "Messages stored in the spool.", nil, nil),
		oldest: prometheus.NewDesc("sluice_queue_oldest_message_age_seconds",
			"Age of the oldest message in the spool (0 when empty).", nil, nil),
		claimed: prometheus.NewDesc("sluice_delivery_in_flight_recipients",
			"Recipients claimed by the delivery engine and not yet settled.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.rcpts
	ch <- c.messages
	ch <- c.oldest
	ch <- c.claimed
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	q, f, d, _, _ := c.store.Counts()
	ch <- prometheus.MustNewConstMetric(c.rcpts, prometheus.GaugeValue, float64(q), "queued")
	ch <- prometheus.MustNewConstMetric(c.rcpts, prometheus.GaugeValue, float64(f), "in_flight")
	ch <- prometheus.MustNewConstMetric(c.rcpts, prometheus.GaugeValue, float64(d), "deferred")
	st := c.store.Stats()
	ch <- prometheus.MustNewConstMetric(c.messages, prometheus.GaugeValue, float64(st.Messages))
	age := 0.0
	if !st.Oldest.IsZero() {
		age = c.now().Sub(st.Oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.claimed, prometheus.GaugeValue, float64(c.inflight()))
}

// edgeCollector exposes the tracking edge's counters.
type edgeCollector struct{ e *tracking.Edge }

var edgeRequests = prometheus.NewDesc("sluice_tracking_requests_total",
	"Tracking edge requests by outcome: open, open_machine, click, click_machine, unsubscribe, unsubscribe_page, anonymous, bad_token, expired_token, bad_url, not_found, suppress_error, event_dropped, bad_unsubscribe.",
	[]string{"kind"}, nil)

func (edgeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- edgeRequests }

func (c edgeCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.EachCount(func(name string, v uint64) {
		ch <- prometheus.MustNewConstMetric(edgeRequests, prometheus.CounterValue, float64(v), name)
	})
}

// eventsCollector exposes the events store's counters.
type eventsCollector struct{ s *events.Store }

var (
	evRecorded = prometheus.NewDesc("sluice_events_recorded_total", "Events accepted by the events store.", nil, nil)
	evDropped  = prometheus.NewDesc("sluice_events_dropped_total", "Events dropped because the events store's queue was full or it was closing.", nil, nil)
	evWritten  = prometheus.NewDesc("sluice_events_written_total", "Events committed to the events store.", nil, nil)
	evQueued   = prometheus.NewDesc("sluice_events_queued", "Events waiting for the events store's writer.", nil, nil)
)

func (eventsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- evRecorded
	ch <- evDropped
	ch <- evWritten
	ch <- evQueued
}

func (c eventsCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.s.Metrics()
	ch <- prometheus.MustNewConstMetric(evRecorded, prometheus.CounterValue, float64(m.Recorded))
	ch <- prometheus.MustNewConstMetric(evDropped, prometheus.CounterValue, float64(m.Dropped))
	ch <- prometheus.MustNewConstMetric(evWritten, prometheus.CounterValue, float64(m.Written))
	ch <- prometheus.MustNewConstMetric(evQueued, prometheus.GaugeValue, float64(m.Queued))
}

// webhookCollector exposes the webhook dispatcher's counters and outbox,
// by tenant (configured tenant names only).
type webhookCollector struct{ d *webhook.Dispatcher }

var (
	whSent = prometheus.NewDesc("sluice_webhook_events_sent_total",
		"Events delivered to tenants' webhooks (acknowledged with a 2xx).", []string{"tenant"}, nil)
	whRequests = prometheus.NewDesc("sluice_webhook_requests_total", "Webhook requests made.", []string{"tenant"}, nil)
	whFailed   = prometheus.NewDesc("sluice_webhook_failed_requests_total",
		"Webhook requests that did not deliver (network error, timeout, non-2xx other than 413); they are retried.", []string{"tenant"}, nil)
	whDropped = prometheus.NewDesc("sluice_webhook_events_dropped_total",
		"Webhook events dropped by reason: expired (older than webhooks.max_age), rejected (a single event over 64 KiB refused with 413, or unreadable).",
		[]string{"tenant", "reason"}, nil)
	whRemoved = prometheus.NewDesc("sluice_webhook_events_removed_total",
		"Webhook events deleted at start because their tenant's webhook was removed from the configuration.", nil, nil)
	whPending = prometheus.NewDesc("sluice_webhook_outbox_events", "Events waiting in the webhook outbox.", []string{"tenant"}, nil)
	whOldest  = prometheus.NewDesc("sluice_webhook_outbox_oldest_age_seconds",
		"Age of the oldest event waiting in the webhook outbox (0 when empty).", []string{"tenant"}, nil)
)

func (webhookCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{whSent, whRequests, whFailed, whDropped, whRemoved, whPending, whOldest} {
		ch <- d
	}
}

func (c webhookCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.d.Metrics()
	now := clock.Now()
	ch <- prometheus.MustNewConstMetric(whRemoved, prometheus.CounterValue, float64(m.Removed))
	for _, e := range m.Endpoints {
		ch <- prometheus.MustNewConstMetric(whSent, prometheus.CounterValue, float64(e.Sent), e.Tenant)
		ch <- prometheus.MustNewConstMetric(whRequests, prometheus.CounterValue, float64(e.Requests), e.Tenant)
		ch <- prometheus.MustNewConstMetric(whFailed, prometheus.CounterValue, float64(e.Failed), e.Tenant)
		ch <- prometheus.MustNewConstMetric(whDropped, prometheus.CounterValue, float64(e.Expired), e.Tenant, "expired")
		ch <- prometheus.MustNewConstMetric(whDropped, prometheus.CounterValue, float64(e.Rejected), e.Tenant, "rejected")
		ch <- prometheus.MustNewConstMetric(whPending, prometheus.GaugeValue, float64(e.Pending), e.Tenant)
		age := 0.0
		if !e.Oldest.IsZero() {
			age = max(now.Sub(e.Oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(whOldest, prometheus.GaugeValue, age, e.Tenant)
	}
}
