package main

import (
	"context"
	"fmt"

	"sluice/fleet"
)

// startFleet joins the fleet when [cluster] redis is set, and in any case
// tells the spool whether its suppression changes go to the fleet outbox
// (off on a single node, so that no outbox grows). It runs after every
// writer is built and before any runs: it hands the fleet's view of the
// spool (fleet.Suppressions: every write pushed at once) to the returns
// policy (delivery's 5xx and the returns worker); the admin API is built
// after it (buildAdmin).
func (n *node) startFleet(p *parts) (err error) {
	cc := &n.cfg.Cluster // resolved by prepare
	ctx := context.Background()
	if !cc.Enabled() {
		return n.store.SetFleetOutbox(ctx, false)
	}
	m, err := fleet.Join(ctx, n.store, n.cfg.MemberOptions(version, n.log))
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	n.fleet = m
	// Returns handed over through Redis are processed at once; delivery
	// honours the fleet's leases, rate and backoff; the per-tenant rate
	// and daily quota and the warm-up allowances are counted fleet-wide
	// (nil warmup: no-op).
	m.Replicator.SetOnReturn(n.worker.Kick)
	n.shaping.SetShared(m.Client.Throttles(ctx, m.Leases, m.Rate, m.Backoff))
	n.limiter.SetShared(m.Client.TenantLimits(n.limiter.Limits()))
	n.warmup.SetShared(m.Client.WarmupCounts())
	p.policy.Store = m.Suppressions()
	if n.tenantStore != nil { // tenants kept as data, replicated through Redis
		n.tenantSync = m.Client.Tenants(n.tenantStore, fleet.TenantSyncOptions{})
	}
	if n.subs.Guard != nil { // reputation windows summed across the fleet
		n.subs.Guard.SetShared(m.Client.ReputationCounts(n.cfg.FleetReputation()))
	}
	n.metrics.RegisterMember(m)
	n.log.Info("fleet mode", "node_id", m.Client.NodeID(), "prefix", cc.Prefix, "redis_up", m.Client.Healthy())
	return nil
}

// nodeNumber is the number the spool puts in the low bits of its message
// ids: 0 on a single node; in a fleet, the one claimed in Redis (kept in
// data_dir/node_number; fleet.StartNodeNumber).
func (n *node) nodeNumber() (int, error) {
	if !n.cfg.Cluster.Enabled() { // resolved by prepare
		return 0, nil
	}
	num, err := fleet.StartNodeNumber(context.Background(), n.cfg.MemberOptions(version, n.log))
	if err != nil {
		return 0, fmt.Errorf("cluster: %w", err)
	}
	return num, nil
}
