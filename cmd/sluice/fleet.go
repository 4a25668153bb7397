package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"

	"sluice/admin"
	"sluice/fleet"
	"sluice/metrics"
	"sluice/queue"
)

// fleetNode is this node's part in a fleet ([cluster] redis set; package
// sluice/fleet): the Redis client, the suppression replicator, and the
// shared throttles for delivery. On a single node only supp is set (the
// plain spool), and only when some writer asked for it.
type fleetNode struct {
	client *fleet.Client
	rep    *fleet.Replicator
	store  *queue.Store

	// Leases (connection slots per source|site), Rate (GCRA per
	// source|site) and Backoff (shared "slow down until") are what
	// mta/delivery and mta/shaping consult in fleet mode; not wired into
	// delivery yet (#13).
	Leases  *fleet.Leases
	Rate    *fleet.Rate
	Backoff *fleet.Backoff

	// supp is the spool as every suppression writer sees it: local write
	// (which puts the change in the fleet outbox in the same transaction),
	// then an immediate push.
	supp *fleetSuppressions
}

// startFleet joins the fleet when [cluster] redis is set, and in any case
// tells the spool whether its suppression changes go to the fleet outbox
// (off on a single node, so that no outbox grows). It runs after every
// writer is built and before any runs: it hands the decorated spool to the
// returns policy (delivery's 5xx and the returns worker) and puts the
// cluster endpoints in front of the admin API.
func (n *node) startFleet(p *parts) (err error) {
	cc := &n.cfg.Cluster
	if err := cc.Resolve(); err != nil {
		return err
	}
	ctx := context.Background()
	if !cc.Enabled() {
		return n.store.SetFleetOutbox(ctx, false)
	}
	id, err := fleet.NodeID(n.cfg.DataDir, cc.NodeID)
	if err != nil {
		return fmt.Errorf("cluster.node_id: %w", err)
	}
	var tc *tls.Config
	if cc.TLSCA != "" {
		pem, err := os.ReadFile(cc.TLSCA)
		if err != nil {
			return fmt.Errorf("cluster.tls_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("cluster.tls_ca: %s: no PEM certificate", cc.TLSCA)
		}
		tc = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	c, err := fleet.Open(ctx, fleet.Options{URL: cc.Redis, Password: cc.Password, TLSConfig: tc, Prefix: cc.Prefix,
		NodeID: id, Version: version, Logger: n.log.With("node_id", id)})
	if err != nil {
		return fmt.Errorf("cluster.redis: %w", err)
	}
	if err := n.store.SetFleetOutbox(ctx, true); err != nil {
		c.Close()
		return err
	}
	rep := c.Replicator(n.store, fleet.ReplicatorOptions{MaxLen: cc.StreamMaxLen})
	n.suppressions() // creates n.fleet unless a writer already did
	f := n.fleet
	f.client, f.rep, f.store = c, rep, n.store
	f.Leases, f.Rate, f.Backoff = c.Leases(cc.LeaseTTL.Duration), c.Rate(), c.Backoff(0)
	f.supp.rep = rep
	p.policy.Store = f.supp
	n.admin.Handler = admin.WithCluster(n.admin.Handler, p.adminToken, f)
	n.metrics.RegisterFleet(f.metricStats)
	n.log.Info("fleet mode", "node_id", id, "prefix", cc.Prefix, "redis_up", c.Healthy())
	return nil
}

// run follows the fleet until ctx ends: the suppression replicator, the
// heartbeat (with the queue depth) and the renewal of connection leases.
// A single node has nothing to run.
func (f *fleetNode) run(ctx context.Context) error {
	if f == nil || f.client == nil {
		return nil
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); f.client.Heartbeat(ctx, f.queueDepth) }()
	go func() { defer wg.Done(); f.Leases.Run(ctx) }()
	err := f.rep.Run(ctx)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("fleet replicator: %w", err)
	}
	return nil
}

// close releases the Redis connections; run must have returned, and the
// spool is closed after it.
func (f *fleetNode) close() {
	if f != nil && f.client != nil {
		f.client.Close()
	}
}

// queueDepth is the node's waiting recipients, for its heartbeat.
func (f *fleetNode) queueDepth() int {
	queued, inFlight, deferred, _, _ := f.store.Counts()
	return int(queued + inFlight + deferred)
}

// ClusterStatus reports the live nodes and Redis's health (admin.Cluster).
func (f *fleetNode) ClusterStatus(ctx context.Context) admin.ClusterStatus {
	cs, rs := f.client.Stats(), f.rep.Stats()
	st := admin.ClusterStatus{NodeID: f.client.NodeID(), Redis: admin.RedisHealth{Up: cs.Healthy, Errors: cs.RedisErrors,
		OutboxDepth: rs.OutboxDepth, LagMS: rs.Lag.Milliseconds()}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	nodes, err := f.client.Live(ctx)
	if err != nil {
		st.Error = err.Error()
		st.Redis.Up = false
		return st
	}
	for _, nd := range nodes {
		st.Nodes = append(st.Nodes, admin.ClusterNode{ID: nd.ID, Version: nd.Version, QueueDepth: nd.QueueDepth,
			Started: nd.Started, LastSeen: nd.LastSeen})
	}
	return st
}

// metricStats maps the client's and the replicator's counters to metrics.
func (f *fleetNode) metricStats() metrics.FleetStats {
	cs, rs := f.client.Stats(), f.rep.Stats()
	return metrics.FleetStats{RedisUp: cs.Healthy, RedisErrors: cs.RedisErrors, RoundTrips: cs.RoundTrips,
		DegradedCalls: cs.DegradedCalls, LiveNodes: cs.LiveNodes, OutboxDepth: rs.OutboxDepth,
		Resyncs: rs.Resyncs, Applied: rs.Applied, LagSeconds: rs.Lag.Seconds()}
}

// fleetSuppressions is the spool as suppression writers see it in fleet
// mode: lookups (Suppressed, the RCPT, after-DATA and delivery checks)
// stay local, and every write is the local durable write, which in fleet
// mode puts the change in the fleet outbox in the same bbolt transaction
// (queue.Store.SetFleetOutbox), followed by a push to Redis now. A write
// that reaches the spool without it is pushed too, within the
// replicator's poll (100 ms).
type fleetSuppressions struct {
	*queue.Store
	rep *fleet.Replicator // nil: a single node; set by startFleet before any writer runs
}

func (s *fleetSuppressions) kick(ctx context.Context) {
	if s.rep != nil {
		s.rep.Kick(ctx)
	}
}

// Suppress records sup locally, then pushes it to the fleet.
func (s *fleetSuppressions) Suppress(ctx context.Context, sup queue.Suppression) error {
	return s.SuppressMany(ctx, []queue.Suppression{sup})
}

// SuppressMany records sups locally, then pushes them to the fleet.
func (s *fleetSuppressions) SuppressMany(ctx context.Context, sups []queue.Suppression) error {
	if err := s.Store.SuppressMany(ctx, sups); err != nil {
		return err
	}
	s.kick(ctx)
	return nil
}

// Unsuppress lifts the suppression locally, then pushes the lift.
func (s *fleetSuppressions) Unsuppress(ctx context.Context, tenant, addr string) (bool, error) {
	existed, err := s.Store.Unsuppress(ctx, tenant, addr)
	if err != nil {
		return false, err
	}
	s.kick(ctx)
	return existed, nil
}

// RecordSoftFailure counts a soft failure locally and, when it reached
// the threshold and suppressed, pushes the suppression.
func (s *fleetSuppressions) RecordSoftFailure(ctx context.Context, tenant, addr, reason, detail string, threshold int, window time.Duration) (bool, error) {
	suppressed, err := s.Store.RecordSoftFailure(ctx, tenant, addr, reason, detail, threshold, window)
	if err == nil && suppressed {
		s.kick(ctx)
	}
	return suppressed, err
}

// suppressions is the spool as every suppression writer must get it (the
// admin API, the returns worker, the edge's unsubscribe, the returns
// policy): pushed to the fleet at once in fleet mode, the plain spool
// otherwise. Writers built before startFleet may take it: it is one value,
// which startFleet completes before anything runs.
func (n *node) suppressions() *fleetSuppressions {
	if n.fleet == nil {
		n.fleet = &fleetNode{supp: &fleetSuppressions{Store: n.store}}
	}
	return n.fleet.supp
}
