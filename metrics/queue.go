package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/internal/clock"
	"sluice/queue"
)

// Spool is what the queue collector reads from the spool (*queue.Store):
// counters kept in memory, cheap enough for a scrape.
type Spool interface {
	Counts() (queued, inFlight, deferred, delivered, failed int64)
	Stats() queue.Stats
	SegmentStats() queue.SegmentStats
}

// RegisterQueue adds the spool's recipient and message gauges and the
// delivery engine's claimed recipients (inflight), read at scrape time.
// now dates the oldest message; nil means clock.Now.
func (m *Set) RegisterQueue(s Spool, inflight func() int64, now func() time.Time) {
	if now == nil {
		now = clock.Now
	}
	m.reg.MustRegister(newQueueCollector(s, inflight, now))
}

// queueCollector reads the spool's counters at scrape time.
type queueCollector struct {
	store    Spool
	inflight func() int64
	now      func() time.Time

	rcpts, messages, oldest, claimed       *prometheus.Desc
	segFiles, segBytes, segLive, segBodies *prometheus.Desc
}

func newQueueCollector(s Spool, inflight func() int64, now func() time.Time) *queueCollector {
	return &queueCollector{
		store: s, inflight: inflight, now: now,
		rcpts: prometheus.NewDesc("sluice_queue_recipients",
			"Recipients in the spool by state (queued, in_flight, deferred).", []string{"state"}, nil),
		messages: prometheus.NewDesc("sluice_queue_messages", "Messages stored in the spool.", nil, nil),
		oldest: prometheus.NewDesc("sluice_queue_oldest_message_age_seconds",
			"Age of the oldest message in the spool (0 when empty).", nil, nil),
		claimed: prometheus.NewDesc("sluice_delivery_in_flight_recipients",
			"Recipients claimed by the delivery engine and not yet settled.", nil, nil),
		segFiles: prometheus.NewDesc("sluice_spool_segment_files",
			"Segment files holding the spool's large bodies (queue.segment_threshold).", nil, nil),
		segBytes: prometheus.NewDesc("sluice_spool_segment_bytes",
			"Disk space the segment files take (each allocated whole).", nil, nil),
		segLive: prometheus.NewDesc("sluice_spool_segment_live_bytes",
			"Bytes of queued bodies in segment files (the rest is reclaimed by removal or compaction).", nil, nil),
		segBodies: prometheus.NewDesc("sluice_spool_segment_bodies",
			"Queued bodies kept in segment files.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.rcpts
	ch <- c.messages
	ch <- c.oldest
	ch <- c.claimed
	ch <- c.segFiles
	ch <- c.segBytes
	ch <- c.segLive
	ch <- c.segBodies
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
	seg := c.store.SegmentStats()
	ch <- prometheus.MustNewConstMetric(c.segFiles, prometheus.GaugeValue, float64(seg.Files))
	ch <- prometheus.MustNewConstMetric(c.segBytes, prometheus.GaugeValue, float64(seg.Bytes))
	ch <- prometheus.MustNewConstMetric(c.segLive, prometheus.GaugeValue, float64(seg.Live))
	ch <- prometheus.MustNewConstMetric(c.segBodies, prometheus.GaugeValue, float64(seg.Count))
}

// RegisterJournal adds the gauges of the spool's event journal: depth
// (committed, not yet in the events store) and the follower's failures.
func (m *Set) RegisterJournal(depth func() int64, failures func() uint64) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sluice_events_journal_depth",
			Help: "Events committed in the spool's journal and not yet in the events store (grows while the events store cannot write).",
		}, func() float64 { return float64(depth()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "sluice_events_journal_failures_total",
			Help: "Journal batches the events store failed to commit or acknowledge (retried with backoff; nothing is lost).",
		}, func() float64 { return float64(failures()) }),
	)
}
