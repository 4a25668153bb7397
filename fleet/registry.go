package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NodeInfo is one node's heartbeat, as `sluice ctl cluster status` shows
// it.
type NodeInfo struct {
	ID         string    `json:"id"`
	Version    string    `json:"version"`
	QueueDepth int       `json:"queue_depth"`
	Started    time.Time `json:"started"`
	LastSeen   time.Time `json:"last_seen"`
}

// Heartbeat refreshes this node's heartbeat key (NodeTTL, every
// Options.Heartbeat) until ctx ends, with the queue depth from depth (may
// be nil), and refreshes the live count used to share limits while Redis
// is down. A node that stops (or crashes) drops out of Live after NodeTTL.
// On return it deletes its key (best effort).
func (c *Client) Heartbeat(ctx context.Context, depth func() int) {
	started := c.opts.Now()
	t := time.NewTicker(c.opts.Heartbeat)
	defer t.Stop()
	for {
		c.beat(ctx, started, depth)
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
			_ = c.rdb.Del(dctx, c.key("node", c.opts.NodeID)).Err()
			cancel()
			return
		case <-t.C:
		}
	}
}

func (c *Client) beat(ctx context.Context, started time.Time, depth func() int) {
	if !c.try() {
		return
	}
	info := NodeInfo{ID: c.opts.NodeID, Version: c.opts.Version, Started: started, LastSeen: c.opts.Now()}
	if depth != nil {
		info.QueueDepth = depth()
	}
	v, _ := json.Marshal(info) // cannot fail: plain fields
	if c.observe(c.rdb.Set(ctx, c.key("node", c.opts.NodeID), v, c.opts.NodeTTL).Err()) != nil {
		return
	}
	if nodes, err := c.Live(ctx); err == nil {
		senders := 0 // a standalone edge sends no mail: it takes no share of a limit
		for _, n := range nodes {
			if !IsEdge(n.ID) {
				senders++
			}
		}
		c.liveCount.Store(int64(max(1, senders)))
	}
}

// Live returns the nodes whose heartbeat has not expired, by id.
func (c *Client) Live(ctx context.Context) ([]NodeInfo, error) {
	var keys []string
	iter := c.rdb.Scan(ctx, 0, globEscape(c.key("node", ""))+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := c.observe(iter.Err()); err != nil {
		return nil, fmt.Errorf("fleet: live nodes: %w", err)
	}
	var out []NodeInfo
	for chunk := range slices.Chunk(keys, 100) {
		vals, err := c.rdb.MGet(ctx, chunk...).Result()
		if err := c.observe(err); err != nil {
			return nil, fmt.Errorf("fleet: live nodes: %w", err)
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue // expired between SCAN and MGET
			}
			var n NodeInfo
			if json.Unmarshal([]byte(s), &n) == nil && n.ID != "" {
				out = append(out, n)
			}
		}
	}
	slices.SortFunc(out, func(a, b NodeInfo) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// LiveCount is the number of live sending nodes (standalone edges not
// counted) last seen by Heartbeat (at least 1): the divisor of each limit
// while Redis is down.
func (c *Client) LiveCount() int { return int(c.liveCount.Load()) }

// globEscape escapes SCAN MATCH's glob characters in a literal prefix.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
