package metrics

import "sluice/fleet"

// RegisterEdgeMember adds the fleet-mode metrics (RegisterFleet) of a
// standalone edge's fleet member, as RegisterMember does for a node's:
// its Redis client's health and counters and its replicator's, whose
// outbox depth is the unsubscribes taken at the edge and not yet in
// Redis.
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
