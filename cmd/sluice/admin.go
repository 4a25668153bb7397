package main

import (
	"sluice/admin"
	"sluice/mta/submit"
	"sluice/tracking/webhook"
)

// buildAdmin makes the admin API over n's stores: the spool, the events
// store, the webhook outbox, the tenants store, the shaping policy and
// the source gates; in a fleet (after startFleet) with the fleet's
// statistics, erasures and cluster view.
func (n *node) buildAdmin(p *parts) (err error) {
	c := admin.Config{
		Token: p.adminToken, Queue: n.store, Suppressions: n.store, Stats: n.events,
		Privacy:      admin.Stores{Spool: n.store, Events: n.events, Outbox: webhook.Stored{Outbox: n.subs.Outbox, DB: n.events}},
		Tenants:      n.configTenantNames(),
		TenantNames:  n.tenantNamesNow, // tenants created through ctl count at once (tenants.go)
		ValidAddress: submit.ValidAddress,
		Gatherer:     n.metrics.Registry(), Logger: n.log, LogLevel: n.opts.logLevel, MetricsAuth: n.cfg.Admin.MetricsAuth,
		Sites: n.shaping, Sources: admin.Gates(n.warmup, n.blocklist), // ctl sites, ctl sources
		TenantStore: n.tenantStore, // ctl tenant, ctl domain (tenants.go)
	}
	if n.subs.Guard != nil {
		c.Reputation = n.subs.Guard // ctl tenant status|resume
	}
	if n.fleet != nil { // ctl stats sums the fleet; an erasure runs at every node
		c.JoinFleet(n.fleet, n.cfg.FleetStats(), n.cfg.FleetErase())
	}
	if n.admin, err = admin.NewServer(c); err != nil {
		return err
	}
	if n.fleet != nil {
		n.admin.Handler = admin.WithCluster(n.admin.Handler, p.adminToken, admin.MemberCluster{M: n.fleet})
	}
	return nil
}
