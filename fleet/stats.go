package fleet

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Statistics across a fleet: each node publishes the counters it shows
// locally (`ctl stats`: per tenant and per campaign, from its own events
// store) to Redis, and any node sums the nodes' snapshots for a
// fleet-wide answer.
//
//	<prefix>stats:<node>   hash: "tenant NUL campaign" → the counters (JSON, opaque here),
//	                       "\x00at" → when the snapshot was taken (unix ms, the node's clock)
//
// A snapshot replaces the last one whole (MULTI: DEL, HSET, PEXPIRE), so
// a reader never sees half of one. It lives StatsTTL (default 24 h)
// without refresh: a node that died still counts for a day (its mail was
// sent), flagged stale, then drops out. A snapshot older than three
// publishing intervals is stale.

// StatsSource returns this node's counters: field "tenant NUL campaign"
// ("" campaign: the tenant's totals) → the counters as JSON.
type StatsSource func(ctx context.Context) (map[string][]byte, error)

// StatsField is the field of tenant's (campaign's) counters.
func StatsField(tenant, campaign string) string { return tenant + "\x00" + campaign }

const statsAtField = "\x00at"

// StatsOptions tune a StatsBoard; zero values take the defaults.
type StatsOptions struct {
	// Every is how often the node publishes, default 10 s.
	Every time.Duration
	// TTL is how long a snapshot outlives its node's last refresh,
	// default 24 h.
	TTL time.Duration
}

// StatsBoard publishes this node's statistics and reads the fleet's.
type StatsBoard struct {
	c   *Client
	src StatsSource
	o   StatsOptions

	published, failures atomic.Uint64
}

// StatsBoard returns the statistics board publishing src.
func (c *Client) StatsBoard(src StatsSource, o StatsOptions) *StatsBoard {
	if o.Every <= 0 {
		o.Every = 10 * time.Second
	}
	if o.TTL <= 0 {
		o.TTL = 24 * time.Hour
	}
	return &StatsBoard{c: c, src: src, o: o}
}

// Run publishes a snapshot every Every until ctx ends.
func (b *StatsBoard) Run(ctx context.Context) {
	t := time.NewTicker(b.o.Every)
	defer t.Stop()
	for {
		if err := b.Publish(ctx); err != nil && ctx.Err() == nil {
			b.c.log.Debug("fleet: publish statistics", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Publish takes a snapshot of this node's counters and replaces its
// published one.
func (b *StatsBoard) Publish(ctx context.Context) error {
	if !b.c.try() {
		b.c.degraded()
		return errDegradedR
	}
	snap, err := b.src(ctx)
	if err != nil {
		b.failures.Add(1)
		return fmt.Errorf("fleet: statistics: %w", err)
	}
	vals := make([]any, 0, 2+2*len(snap))
	vals = append(vals, statsAtField, strconv.FormatInt(b.c.opts.Now().UnixMilli(), 10))
	for f, v := range snap {
		vals = append(vals, f, v)
	}
	key := b.c.key("stats", b.c.opts.NodeID)
	pipe := b.c.rdb.TxPipeline()
	pipe.Del(ctx, key)
	pipe.HSet(ctx, key, vals...)
	pipe.PExpire(ctx, key, b.o.TTL)
	_, err = pipe.Exec(ctx)
	if err := b.c.observe(err); err != nil {
		b.failures.Add(1)
		return fmt.Errorf("fleet: publish statistics: %w", err)
	}
	b.published.Add(1)
	return nil
}

// NodeStats is one node's published counters of one field.
type NodeStats struct {
	Node string
	At   time.Time // when the node took the snapshot
	// Stale: the snapshot is older than three publishing intervals, or
	// the node's heartbeat is gone.
	Stale bool
	// Value is the field's counters; nil when the node has none for it.
	Value []byte
}

// FleetStats is what the fleet has published of one field.
type FleetStats struct {
	// Nodes are the nodes with a snapshot, by id.
	Nodes []NodeStats
	// Missing are live nodes (heartbeat) without a snapshot.
	Missing []string
}

// Read returns every node's snapshot of field, in two round trips plus
// the live-node scan.
func (b *StatsBoard) Read(ctx context.Context, field string) (FleetStats, error) {
	var out FleetStats
	if !b.c.try() {
		return out, errDegradedR
	}
	prefix := b.c.key("stats", "")
	var keys []string
	iter := b.c.rdb.Scan(ctx, 0, globEscape(prefix)+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := b.c.observe(iter.Err()); err != nil {
		return out, fmt.Errorf("fleet: statistics: %w", err)
	}
	slices.Sort(keys)
	live, err := b.c.Live(ctx)
	if err != nil {
		return out, err
	}
	isLive := map[string]bool{}
	for _, n := range live {
		isLive[n.ID] = true
	}
	pipe := b.c.rdb.Pipeline()
	for _, k := range keys {
		pipe.HMGet(ctx, k, statsAtField, field)
	}
	cmds, err := pipe.Exec(ctx)
	if err := b.c.observe(err); err != nil {
		return out, fmt.Errorf("fleet: statistics: %w", err)
	}
	now := b.c.opts.Now()
	seen := map[string]bool{}
	for i, cmd := range cmds {
		vals, err := cmd.(interface{ Result() ([]any, error) }).Result()
		if err != nil || len(vals) != 2 {
			continue
		}
		atS, _ := vals[0].(string)
		ms, err := strconv.ParseInt(atS, 10, 64)
		if err != nil {
			continue // expired between SCAN and HMGET, or not a snapshot
		}
		node := strings.TrimPrefix(keys[i], prefix)
		ns := NodeStats{Node: node, At: time.UnixMilli(ms)}
		ns.Stale = !isLive[node] || now.Sub(ns.At) > 3*b.o.Every
		if v, ok := vals[1].(string); ok {
			ns.Value = []byte(v)
		}
		seen[node] = true
		out.Nodes = append(out.Nodes, ns)
	}
	for _, n := range live {
		if !seen[n.ID] {
			out.Missing = append(out.Missing, n.ID)
		}
	}
	return out, nil
}

// StatsBoardStats are the board's counters.
type StatsBoardStats struct{ Published, Failures uint64 }

// Stats returns the counters.
func (b *StatsBoard) Stats() StatsBoardStats {
	return StatsBoardStats{Published: b.published.Load(), Failures: b.failures.Load()}
}

// NodeID is this node's id (the one whose numbers a reader has locally).
func (b *StatsBoard) NodeID() string { return b.c.opts.NodeID }
