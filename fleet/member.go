package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"sluice/queue"
)

// MemberOptions are what a node needs to join a fleet, as plain values
// (the [cluster] section of its config).
type MemberOptions struct {
	// URL, Password and Prefix are Options'.
	URL, Password, Prefix string
	// NodeID is the configured id; "" means the one generated into
	// DataDir (see NodeID).
	NodeID, DataDir string
	// TLSCA is a PEM file of the CA that signed Redis's certificate; ""
	// means the system's roots.
	TLSCA string
	// LeaseTTL is how long a connection lease lives without renewal.
	LeaseTTL time.Duration
	// StreamMaxLen trims the log of suppression changes (ReplicatorOptions).
	StreamMaxLen int64
	// Version is the node's, in its heartbeat.
	Version string
	// Logger gets the client's lines, with the node id; nil: none.
	Logger *slog.Logger
}

// Member is one node's part in a fleet: the Redis client, the
// suppression replicator over the node's spool, and the shared throttles
// (Leases, Rate, Backoff) that delivery and shaping consult in fleet
// mode. A nil *Member is a node alone: Run and Close do nothing.
type Member struct {
	Client     *Client
	Replicator *Replicator
	Holds      *HoldReplicator // holds set or lifted at any node, at every node
	Leases     *Leases
	Rate       *Rate
	Backoff    *Backoff
	// Statistics and Erasures are set by PublishStats and FollowErasures
	// before Run; nil: not run.
	Statistics *StatsBoard
	Erasures   *EraseFollower

	spool *queue.Store
	supp  *Suppressions
}

// Join opens the fleet's Redis as this node, turns on spool's fleet
// outbox (every suppression change is then queued for Redis in the same
// transaction) and makes the replicator. It must run before any
// suppression writer does.
func Join(ctx context.Context, spool *queue.Store, o MemberOptions) (*Member, error) {
	c, err := o.open(ctx)
	if err != nil {
		return nil, err
	}
	if err := spool.SetFleetOutbox(ctx, true); err != nil {
		c.Close()
		return nil, err
	}
	rep := c.Replicator(spool, ReplicatorOptions{MaxLen: o.StreamMaxLen})
	return &Member{Client: c, Replicator: rep, Holds: c.HoldReplicator(spool, ReplicatorOptions{}),
		Leases: c.Leases(o.LeaseTTL), Rate: c.Rate(), Backoff: c.Backoff(0), spool: spool, supp: &Suppressions{Store: spool, Replicator: rep}}, nil
}

// open opens the fleet's Redis as this node.
func (o MemberOptions) open(ctx context.Context) (*Client, error) {
	id, err := NodeID(o.DataDir, o.NodeID)
	if err != nil {
		return nil, fmt.Errorf("fleet: node id: %w", err)
	}
	tc, err := caConfig(o.TLSCA)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := Open(ctx, Options{URL: o.URL, Password: o.Password, TLSConfig: tc, Prefix: o.Prefix,
		NodeID: id, Version: o.Version, Logger: log.With("node_id", id)})
	if err != nil {
		return nil, fmt.Errorf("fleet: redis: %w", err)
	}
	return c, nil
}

// NodeNumber is this node's number in the fleet (Client.NodeNumber),
// claimed over a client of its own: the spool needs it before it opens
// (its ids carry it), and Join needs the spool.
func NodeNumber(ctx context.Context, o MemberOptions) (int, error) {
	c, err := o.open(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.NodeNumber(ctx, o.DataDir)
}

// caConfig is the TLS configuration trusting the CA in file; nil (the
// system's roots) when file is "".
func caConfig(file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("fleet: TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("fleet: TLS CA: %s: no PEM certificate", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Suppressions is the spool as the member's suppression writers must
// take it (see Suppressions).
func (m *Member) Suppressions() *Suppressions { return m.supp }

// PublishStats makes Run publish this node's statistics from src (see
// StatsBoard) and returns the board, which reads the fleet's. Nil on a
// nil Member.
func (m *Member) PublishStats(src StatsSource, o StatsOptions) *StatsBoard {
	if m == nil {
		return nil
	}
	m.Statistics = m.Client.StatsBoard(src, o)
	return m.Statistics
}

// FollowErasures makes Run apply the fleet's erasure requests with erase
// (see EraseFollower) and returns the follower, which publishes this
// node's. Nil on a nil Member.
func (m *Member) FollowErasures(erase EraseFunc, o EraseOptions) *EraseFollower {
	if m == nil {
		return nil
	}
	m.Erasures = m.Client.EraseFollower(m.spool, erase, o)
	return m.Erasures
}

// Run follows the fleet until ctx ends: the suppression and hold
// replicators, the heartbeat (with the spool's queue depth), the renewal
// of connection leases, and, when set, the statistics board and the
// erasure follower.
func (m *Member) Run(ctx context.Context) error {
	if m == nil {
		return nil
	}
	var wg sync.WaitGroup
	var herr, eerr error
	wg.Add(3)
	go func() { defer wg.Done(); m.Client.Heartbeat(ctx, m.queueDepth) }()
	go func() { defer wg.Done(); m.Leases.Run(ctx) }()
	go func() { defer wg.Done(); herr = m.Holds.Run(ctx) }()
	if m.Statistics != nil {
		wg.Add(1)
		go func() { defer wg.Done(); m.Statistics.Run(ctx) }()
	}
	if m.Erasures != nil {
		wg.Add(1)
		go func() { defer wg.Done(); eerr = m.Erasures.Run(ctx) }()
	}
	err := m.Replicator.Run(ctx)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("fleet replicator: %w", err)
	}
	if herr != nil {
		return fmt.Errorf("fleet hold replicator: %w", herr)
	}
	if eerr != nil {
		return fmt.Errorf("fleet erasure follower: %w", eerr)
	}
	return nil
}

// Close releases the Redis connections. Run must have returned; the
// spool is closed after it.
func (m *Member) Close() {
	if m != nil {
		m.Client.Close()
	}
}

// queueDepth is the node's waiting recipients, for its heartbeat.
func (m *Member) queueDepth() int {
	queued, inFlight, deferred, _, _ := m.spool.Counts()
	return int(queued + inFlight + deferred)
}

// MemberStatus is what the node knows of the fleet: its id, its client's
// and replicator's counters, and the live nodes (Err when Redis could
// not list them).
type MemberStatus struct {
	NodeID     string
	Client     Stats
	Replicator ReplicatorStats
	Nodes      []NodeInfo
	Err        error
}

// Status reads the fleet's state, waiting at most 2 s for Redis.
func (m *Member) Status(ctx context.Context) MemberStatus {
	st := MemberStatus{NodeID: m.Client.NodeID(), Client: m.Client.Stats(), Replicator: m.Replicator.Stats()}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st.Nodes, st.Err = m.Client.Live(ctx)
	return st
}

// Suppressions is the spool as suppression writers see it in fleet mode:
// lookups (Suppressed: the RCPT, after-DATA and delivery checks) stay
// local, and every write is the local durable write, which puts the
// change in the fleet outbox in the same bbolt transaction
// (queue.Store.SetFleetOutbox), followed by a push to Redis now. A write
// that reaches the spool another way is pushed too, within the
// replicator's poll (100 ms).
type Suppressions struct {
	*queue.Store
	Replicator *Replicator // nil: nothing to push
}

func (s *Suppressions) kick(ctx context.Context) {
	if s.Replicator != nil {
		s.Replicator.Kick(ctx)
	}
}

// Suppress records sup locally, then pushes it to the fleet.
func (s *Suppressions) Suppress(ctx context.Context, sup queue.Suppression) error {
	return s.SuppressMany(ctx, []queue.Suppression{sup})
}

// SuppressMany records sups locally, then pushes them to the fleet.
func (s *Suppressions) SuppressMany(ctx context.Context, sups []queue.Suppression) error {
	if err := s.Store.SuppressMany(ctx, sups); err != nil {
		return err
	}
	s.kick(ctx)
	return nil
}

// Unsuppress lifts the suppression locally, then pushes the lift.
func (s *Suppressions) Unsuppress(ctx context.Context, tenant, addr string) (bool, error) {
	existed, err := s.Store.Unsuppress(ctx, tenant, addr)
	if err != nil {
		return false, err
	}
	s.kick(ctx)
	return existed, nil
}

// RecordSoftFailure counts a soft failure locally and, when it reached
// the threshold and suppressed, pushes the suppression.
func (s *Suppressions) RecordSoftFailure(ctx context.Context, tenant, addr, reason, detail string, threshold int, window time.Duration) (bool, error) {
	suppressed, err := s.Store.RecordSoftFailure(ctx, tenant, addr, reason, detail, threshold, window)
	if err == nil && suppressed {
		s.kick(ctx)
	}
	return suppressed, err
}
