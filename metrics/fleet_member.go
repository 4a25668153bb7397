package metrics

import "sluice/fleet"

// RegisterMember adds the fleet-mode metrics (RegisterFleet) of a fleet
// member: its Redis client's health and counters and its suppression
// replicator's, read at scrape time.
func (m *Set) RegisterMember(fm *fleet.Member) {
	m.RegisterFleet(func() FleetStats {
		cs, rs := fm.Client.Stats(), fm.Replicator.Stats()
		return FleetStats{RedisUp: cs.Healthy, RedisErrors: cs.RedisErrors, RoundTrips: cs.RoundTrips,
			DegradedCalls: cs.DegradedCalls, LiveNodes: cs.LiveNodes, OutboxDepth: rs.OutboxDepth,
			Resyncs: rs.Resyncs, Applied: rs.Applied, LagSeconds: rs.Lag.Seconds()}
	})
}
