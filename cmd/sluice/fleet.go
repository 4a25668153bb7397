package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sluice/admin"
	"sluice/fleet"
	"sluice/metrics"
)

// startFleet joins the fleet when [cluster] redis is set, and in any case
// tells the spool whether its suppression changes go to the fleet outbox
// (off on a single node, so that no outbox grows). It runs after every
// writer is built and before any runs: it hands the fleet's view of the
// spool (fleet.Suppressions: every write pushed at once) to the returns
// policy (delivery's 5xx and the returns worker) and puts the cluster
// endpoints in front of the admin API.
func (n *node) startFleet(p *parts) (err error) {
	cc := &n.cfg.Cluster
	if err := cc.Resolve(); err != nil {
		return err
	}
	ctx := context.Background()
	if !cc.Enabled() {
		return n.store.SetFleetOutbox(ctx, false)
	}
	m, err := fleet.Join(ctx, n.store, n.memberOptions())
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	n.fleet = m
	m.Replicator.SetOnReturn(n.worker.Kick) // returns handed over through Redis are processed at once
	n.shaping.SetShared(m.Client.Throttles(ctx, m.Leases, m.Rate, m.Backoff)) // delivery honours the fleet's leases, rate and backoff
	n.limiter.SetShared(m.Client.TenantLimits(n.limiter.Limits()))            // per-tenant rate and daily quota counted fleet-wide
	n.warmup.SetShared(m.Client.WarmupCounts())                               // warm-up allowances counted fleet-wide (nil warmup: no-op)
	p.policy.Store = m.Suppressions()
	if n.tenantStore != nil { // tenants kept as data, replicated through Redis
		n.tenantSync = m.Client.Tenants(n.tenantStore, fleet.TenantSyncOptions{})
	}
	if n.subs != nil && n.subs.guard != nil { // reputation windows summed across the fleet
		r := n.cfg.Reputation
		n.subs.guard.SetShared(m.Client.ReputationCounts(fleet.ReputationOptions{
			WindowMessages: r.WindowMessages, WindowTime: r.WindowTime.Duration}))
	}
	// The admin API again, now with the fleet's statistics and erasures.
	if n.admin, err = newAdminServer(n, p.adminToken); err != nil {
		return err
	}
	n.admin.Handler = admin.WithCluster(n.admin.Handler, p.adminToken, clusterStatus{m})
	n.metrics.RegisterFleet(func() metrics.FleetStats {
		cs, rs := m.Client.Stats(), m.Replicator.Stats()
		return metrics.FleetStats{RedisUp: cs.Healthy, RedisErrors: cs.RedisErrors, RoundTrips: cs.RoundTrips,
			DegradedCalls: cs.DegradedCalls, LiveNodes: cs.LiveNodes, OutboxDepth: rs.OutboxDepth,
			Resyncs: rs.Resyncs, Applied: rs.Applied, LagSeconds: rs.Lag.Seconds()}
	})
	n.log.Info("fleet mode", "node_id", m.Client.NodeID(), "prefix", cc.Prefix, "redis_up", m.Client.Healthy())
	return nil
}

func (n *node) memberOptions() fleet.MemberOptions {
	o := n.cfg.MemberOptions(version)
	o.Logger = n.log
	return o
}

// nodeNumber is the number the spool puts in the low bits of its message
// ids: 0 on a single node; in a fleet, the one claimed in Redis (kept in
// data_dir/node_number). A first start with Redis down runs as 0, logged:
// mail goes on, ids may then meet another unnumbered node's, and the
// number is claimed at the next start.
func (n *node) nodeNumber() (int, error) {
	cc := &n.cfg.Cluster
	if err := cc.Resolve(); err != nil || !cc.Enabled() {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	num, err := fleet.NodeNumber(ctx, n.memberOptions())
	if errors.Is(err, fleet.ErrNoNodeNumber) {
		n.log.Error("fleet: no node number yet; message ids carry none until the next start", "err", err)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cluster: %w", err)
	}
	n.log.Info("fleet node number", "number", num)
	return num, nil
}

// clusterStatus is the fleet member as admin.Cluster.
type clusterStatus struct{ m *fleet.Member }

// ClusterStatus reports the live nodes and Redis's health.
func (c clusterStatus) ClusterStatus(ctx context.Context) admin.ClusterStatus {
	fs := c.m.Status(ctx)
	st := admin.ClusterStatus{NodeID: fs.NodeID, Redis: admin.RedisHealth{Up: fs.Client.Healthy, Errors: fs.Client.RedisErrors,
		OutboxDepth: fs.Replicator.OutboxDepth, LagMS: fs.Replicator.Lag.Milliseconds()}}
	if fs.Err != nil {
		st.Error = fs.Err.Error()
		st.Redis.Up = false
		return st
	}
	for _, nd := range fs.Nodes {
		st.Nodes = append(st.Nodes, admin.ClusterNode{ID: nd.ID, Version: nd.Version, QueueDepth: nd.QueueDepth,
			Started: nd.Started, LastSeen: nd.LastSeen})
	}
	return st
}
