package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/internal/clock"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// EdgeCounts is the tracking edge (*tracking.Edge) as the metrics read
// it: each of its request counters by outcome name.
type EdgeCounts interface {
	EachCount(fn func(name string, v uint64))
}

// RegisterEdge adds the tracking edge's request counters, read at scrape
// time: a labelled counter's lookup on every hit would cost more than the
// edge's own atomic counter.
func (m *Set) RegisterEdge(e EdgeCounts) { m.reg.MustRegister(edgeCollector{e}) }

// edgeCollector exposes the tracking edge's counters.
type edgeCollector struct{ e EdgeCounts }

var edgeRequests = prometheus.NewDesc("sluice_tracking_requests_total",
	"Tracking edge requests by outcome: open, open_machine, click, click_machine, unsubscribe, unsubscribe_page, anonymous, bad_token, expired_token, bad_url, not_found, suppress_error, event_dropped, bad_unsubscribe, conn_refused (a connection over tracking.max_conns_per_addr, refused at accept), repeat (the same open or click by one recipient within the repeat window: served, not recorded again).",
	[]string{"kind"}, nil)

func (edgeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- edgeRequests }

func (c edgeCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.EachCount(func(name string, v uint64) {
		ch <- prometheus.MustNewConstMetric(edgeRequests, prometheus.CounterValue, float64(v), name)
	})
}

// EventsCounts is the events store (*events.Store) as the metrics read it.
type EventsCounts interface {
	Metrics() events.Metrics
}

// RegisterEvents adds the events store's counters.
func (m *Set) RegisterEvents(s EventsCounts) { m.reg.MustRegister(eventsCollector{s}) }

// eventsCollector exposes the events store's counters.
type eventsCollector struct{ s EventsCounts }

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

// WebhookCounts is the webhook dispatcher (*webhook.Dispatcher) as the
// metrics read it.
type WebhookCounts interface {
	Metrics() webhook.Metrics
}

// RegisterWebhooks adds the webhook dispatcher's counters and outbox, by
// tenant (configured tenant names only). now dates the oldest pending
// event; nil means clock.Now.
func (m *Set) RegisterWebhooks(d WebhookCounts, now func() time.Time) {
	if now == nil {
		now = clock.Now
	}
	m.reg.MustRegister(webhookCollector{d: d, now: now})
}

// webhookCollector exposes the webhook dispatcher's counters and outbox.
type webhookCollector struct {
	d   WebhookCounts
	now func() time.Time
}

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
	now := c.now()
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
