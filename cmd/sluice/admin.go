package main

import (
	"net/http"

	"sluice/admin"
	"sluice/fleet"
	"sluice/mta/submit"
	"sluice/tracking/webhook"
)

// buildEdgeAndAdmin makes the tracking edge (with its HTTPS certificates
// when tracking.https_addr is set, edge.go) and the admin API, the two
// HTTP servers over the stores.
func (n *node) buildEdgeAndAdmin(p *parts) (err error) {
	if n.edgeCerts, err = newEdgeCerts(n.cfg, n.log, n.watched, n.trackingHosts()); err != nil {
		return err
	}
	if n.edge, err = buildEdge(n.cfg, p.keyring, n.events, n.store, n.log, n.metrics, n.edgeCerts, n.trackingHosts()); err != nil {
		return err
	}
	n.admin, err = newAdminServer(n, p.adminToken)
	return err
}

// newAdminServer wires package admin to n's stores: the spool, the
// events store, the webhook outbox and the shaping policy.
func newAdminServer(n *node, token string) (*http.Server, error) {
	c := admin.Config{
		Token: token, Queue: n.store, Suppressions: n.store, Stats: n.events,
		Privacy:      admin.Stores{Spool: n.store, Events: n.events, Outbox: webhook.Stored{Outbox: n.outbox, DB: n.events}},
		Tenants:      n.tenantNames,
		TenantNames:  n.tenantNamesNow, // tenants created through ctl count at once (tenants.go)
		ValidAddress: submit.ValidAddress,
		Gatherer:     n.metrics.Registry(), Logger: n.log, LogLevel: n.logLevel,
	}
	if n.shaping != nil {
		c.Sites = n.shaping
	}
	c.Sources = admin.Gates(n.warmup, n.blocklist) // ctl sources
	if n.tenantStore != nil {
		c.TenantStore = n.tenantStore // ctl tenant, ctl domain (tenants.go)
	}
	if n.subs != nil && n.subs.guard != nil {
		c.Reputation = n.subs.guard // ctl tenant status|resume
	}
	if m := n.fleet; m != nil { // ctl stats sums the fleet; an erasure runs at every node
		cc := n.cfg.Cluster
		// First: the API's erasures and the fleet's both share the
		// recipient ids they found, for the standalone edges' events.
		c.Privacy.Spool = admin.SharingSpool(n.store, m.Client.ErasedRecipients(cc.EraseRetention.Duration).Share, c.Logger)
		c.FleetStats = m.PublishStats(c.StatsSource(), fleet.StatsOptions{Every: cc.StatsEvery.Duration, TTL: cc.StatsTTL.Duration})
		c.FleetErase = m.FollowErasures(admin.ApplyErasure(c.Privacy, c.Logger), fleet.EraseOptions{Retention: cc.EraseRetention.Duration})
	}
	return admin.NewServer(c)
}
