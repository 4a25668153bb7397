package metrics

import "sluice/fleet"

// RegisterMember adds the fleet-mode metrics (RegisterFleet) of a fleet
// member: its Redis client's health and counters and its suppression
// replicator's, read at scrape time.
func (m *Set) RegisterMember(fm *fleet.Member) {
	m.RegisterFleet(clientStats(fm.Client, fm.Replicator))
}

// RegisterEdgeMember does the same for a standalone edge's fleet member,
// whose replicator's outbox depth is the unsubscribes taken at the edge
// and not yet in Redis.
func (m *Set) RegisterEdgeMember(fm *fleet.EdgeMember) {
	m.RegisterFleet(clientStats(fm.Client, fm.Replicator))
}

// clientStats reads a fleet client's and its replicator's counters at
// scrape time.
func clientStats(c *fleet.Client, r *fleet.Replicator) func() FleetStats {
	return func() FleetStats {
		cs, rs := c.Stats(), r.Stats()
		return FleetStats{RedisUp: cs.Healthy, RedisErrors: cs.RedisErrors, RoundTrips: cs.RoundTrips,
			DegradedCalls: cs.DegradedCalls, LiveNodes: cs.LiveNodes, OutboxDepth: rs.OutboxDepth,
			Resyncs: rs.Resyncs, Applied: rs.Applied, LagSeconds: rs.Lag.Seconds()}
	}
}
