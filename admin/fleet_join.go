package admin

import "sluice/fleet"

// JoinFleet makes c's statistics and erasures fleet-wide through m:
// `ctl stats` sums the fleet's nodes (this node publishing its own as
// stats says), and an erasure runs at every node (erase: how long a
// request waits in Redis). The recipient ids that this API's erasures
// and the fleet's find are shared first, for the standalone edges'
// events. Call it before NewServer.
func (c *Config) JoinFleet(m *fleet.Member, stats fleet.StatsOptions, erase fleet.EraseOptions) {
	c.Privacy.Spool = SharingSpool(c.Privacy.Spool, m.Client.ErasedRecipients(erase.Retention).Share, c.Logger)
	c.FleetStats = m.PublishStats(c.StatsSource(), stats)
	c.FleetErase = m.FollowErasures(ApplyErasure(c.Privacy, c.Logger), erase)
}
