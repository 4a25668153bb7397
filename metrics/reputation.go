package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Reputation is the reputation guard's counters (reputation.Metrics):
// warnings and pauses by the rate that crossed its threshold
// (complaint_rate, hard_bounce_rate, unsubscribe_rate, block_rate: a
// bounded set), and resumes.
type Reputation struct {
	warnings, pauses *prometheus.CounterVec // rate
	resumes          prometheus.Counter
}

// ReputationGauges is the guard (*reputation.Guard) as its gauges read
// it at scrape time.
type ReputationGauges interface {
	// Paused is the number of tenants whose marketing stream is paused.
	Paused() int
	// Dropped is the number of events the guard could not count (its
	// queue was full).
	Dropped() uint64
}

// reputationRates are the rates the guard names; their series exist
// from the start, at zero, so that rate() and alerts see the first one.
var reputationRates = []string{"complaint_rate", "hard_bounce_rate", "unsubscribe_rate", "block_rate"}

// ReputationCounters registers the guard's counters and returns them,
// for reputation.Deps.Metrics; RegisterReputation adds its gauges once
// the guard exists.
func (m *Set) ReputationCounters() *Reputation {
	r := &Reputation{
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_reputation_warnings_total",
			Help: "Tenants' or campaigns' rates that crossed their warn threshold, by rate (complaint_rate, hard_bounce_rate, unsubscribe_rate, block_rate).",
		}, []string{"rate"}),
		pauses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_reputation_pauses_total",
			Help: "Tenants' marketing streams paused by the reputation guard, by the rate that crossed its pause threshold.",
		}, []string{"rate"}),
		resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_reputation_resumes_total",
			Help: "Paused marketing streams resumed by an operator (ctl tenant resume).",
		}),
	}
	for _, rate := range reputationRates {
		r.warnings.WithLabelValues(rate)
		r.pauses.WithLabelValues(rate)
	}
	m.reg.MustRegister(r.warnings, r.pauses, r.resumes)
	return r
}

// RegisterReputation adds the guard's gauges, read at scrape time.
func (m *Set) RegisterReputation(g ReputationGauges) { m.reg.MustRegister(reputationCollector{g}) }

// Warned counts one warning.
func (r *Reputation) Warned(rate string) { r.warnings.WithLabelValues(rate).Inc() }

// Paused counts one pause.
func (r *Reputation) Paused(rate string) { r.pauses.WithLabelValues(rate).Inc() }

// Resumed counts one resume.
func (r *Reputation) Resumed() { r.resumes.Inc() }

type reputationCollector struct{ g ReputationGauges }

var (
	repPaused = prometheus.NewDesc("sluice_reputation_paused_tenants",
		"Tenants whose marketing stream the reputation guard holds paused.", nil, nil)
	repDropped = prometheus.NewDesc("sluice_reputation_dropped_events_total",
		"Events the reputation guard could not count because its queue was full (its windows undercount).", nil, nil)
)

func (reputationCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- repPaused
	ch <- repDropped
}

func (c reputationCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(repPaused, prometheus.GaugeValue, float64(c.g.Paused()))
	ch <- prometheus.MustNewConstMetric(repDropped, prometheus.CounterValue, float64(c.g.Dropped()))
}
