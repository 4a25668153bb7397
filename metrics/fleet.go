package metrics

import "github.com/prometheus/client_golang/prometheus"

// FleetStats is what the fleet collector reads at scrape time: the Redis
// client's health and counters and the suppression replicator's (package
// sluice/fleet, mapped by RegisterMember).
type FleetStats struct {
	RedisUp       bool
	RedisErrors   uint64 // failed Redis calls
	RoundTrips    uint64 // commands and pipelines sent
	DegradedCalls uint64 // calls answered by a local fallback (Redis down)
	LiveNodes     int    // nodes with a live heartbeat, last seen
	OutboxDepth   int    // suppression changes waiting for Redis
	Resyncs       uint64 // full reads of the fleet's suppressions
	Applied       uint64 // other nodes' changes applied locally
	LagSeconds    float64
}

// RegisterFleet adds the fleet-mode metrics (only a node with a
// [cluster] redis registers them), read from stats at scrape time.
func (m *Set) RegisterFleet(stats func() FleetStats) {
	m.reg.MustRegister(&fleetCollector{stats: stats,
		up: prometheus.NewDesc("sluice_fleet_redis_up",
			"1 when the last call to the fleet's Redis succeeded, 0 in degraded mode (local fallbacks).", nil, nil),
		errors: prometheus.NewDesc("sluice_fleet_redis_errors_total", "Failed calls to the fleet's Redis.", nil, nil),
		trips: prometheus.NewDesc("sluice_fleet_redis_round_trips_total",
			"Round trips to the fleet's Redis (a command or a whole pipeline).", nil, nil),
		degraded: prometheus.NewDesc("sluice_fleet_degraded_calls_total",
			"Throttle calls answered by this node's share of the limit while Redis was down.", nil, nil),
		live: prometheus.NewDesc("sluice_fleet_live_nodes", "Nodes with a live heartbeat, as last seen.", nil, nil),
		outbox: prometheus.NewDesc("sluice_fleet_outbox_depth",
			"Suppression changes stored locally and not yet in Redis (grows while Redis is down).", nil, nil),
		resyncs: prometheus.NewDesc("sluice_fleet_resyncs_total",
			"Full reads of the fleet's suppressions (cursor trimmed away, Redis emptied, another node re-seeded).", nil, nil),
		applied: prometheus.NewDesc("sluice_fleet_applied_total", "Suppression changes of other nodes applied locally.", nil, nil),
		lag: prometheus.NewDesc("sluice_fleet_replication_lag_seconds",
			"Stream time between the fleet's change log head and what this node applied, at the last check.", nil, nil),
	})
}

// fleetCollector reads FleetStats at scrape time.
type fleetCollector struct {
	stats                                                            func() FleetStats
	up, errors, trips, degraded, live, outbox, resyncs, applied, lag *prometheus.Desc
}

func (c *fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.errors, c.trips, c.degraded, c.live, c.outbox, c.resyncs, c.applied, c.lag} {
		ch <- d
	}
}

func (c *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	up := 0.0
	if s.RedisUp {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, float64(s.RedisErrors))
	ch <- prometheus.MustNewConstMetric(c.trips, prometheus.CounterValue, float64(s.RoundTrips))
	ch <- prometheus.MustNewConstMetric(c.degraded, prometheus.CounterValue, float64(s.DegradedCalls))
	ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, float64(s.LiveNodes))
	ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(s.OutboxDepth))
	ch <- prometheus.MustNewConstMetric(c.resyncs, prometheus.CounterValue, float64(s.Resyncs))
	ch <- prometheus.MustNewConstMetric(c.applied, prometheus.CounterValue, float64(s.Applied))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, s.LagSeconds)
}
