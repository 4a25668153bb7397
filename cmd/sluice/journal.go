package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/tracking/events"
)

// startJournal makes the follower that applies the spool's event journal
// (every reception and delivery outcome the spool commits) to the events
// store, and its metrics. It runs with the node's other servers.
func (n *node) startJournal(log *slog.Logger) {
	n.journal = n.events.Follow(n.store, events.FollowOptions{Logger: log})
	n.follower.Store(n.journal)
	n.metrics.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sluice_events_journal_depth",
			Help: "Events committed in the spool's journal and not yet in the events store (grows while the events store cannot write).",
		}, func() float64 { return float64(n.store.JournalDepth()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "sluice_events_journal_failures_total",
			Help: "Journal batches the events store failed to commit or acknowledge (retried with backoff; nothing is lost).",
		}, func() float64 { return float64(n.journal.Failures()) }),
	)
}
