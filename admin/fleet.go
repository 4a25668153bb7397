package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"sluice/fleet"
)

// Fleet-wide statistics and erasure: the admin API's side of package
// fleet's StatsBoard and EraseFollower. The wiring sets Config.FleetStats
// and Config.FleetErase only when the node is in a fleet.

// FleetStats reads what the fleet's nodes published of one statistics
// field (*fleet.StatsBoard).
type FleetStats interface {
	Read(ctx context.Context, field string) (fleet.FleetStats, error)
	NodeID() string
}

// FleetEraser hands an erasure done here to the fleet
// (*fleet.EraseFollower): pushed reports whether Redis has it now.
type FleetEraser interface {
	Publish(ctx context.Context, tenant, addr string) (pushed bool, err error)
}

var (
	_ FleetStats  = (*fleet.StatsBoard)(nil)
	_ FleetEraser = (*fleet.EraseFollower)(nil)
)

// FleetInfo says where fleet-wide statistics came from.
type FleetInfo struct {
	// Nodes are the nodes whose numbers are in the totals.
	Nodes []FleetNode `json:"nodes"`
	// Missing are live nodes that have published nothing yet: their
	// numbers are not in the totals.
	Missing []string `json:"missing"`
	// Error, when set, says why the answer is this node's numbers only
	// (Redis did not answer).
	Error string `json:"error,omitempty"`
}

// FleetNode is one node's part in fleet-wide statistics.
type FleetNode struct {
	ID string `json:"id"`
	// Updated is when its numbers were taken; Stale means it has not
	// refreshed them lately or its heartbeat is gone (a node down still
	// counts, with its last numbers, for a day).
	Updated time.Time `json:"updated"`
	Stale   bool      `json:"stale,omitempty"`
	// Local: this node, whose numbers are read now, not from Redis.
	Local bool `json:"local,omitempty"`
}

// StatsSource is this node's statistics as the fleet's StatsBoard
// publishes them: every tenant's totals and each of its campaigns', as
// GET /api/v1/stats?local=1 answers them.
func (c Config) StatsSource() fleet.StatsSource {
	return func(ctx context.Context) (map[string][]byte, error) {
		out := map[string][]byte{}
		for _, t := range c.tenantNames() {
			camps, err := c.Stats.Campaigns(t)
			if err != nil {
				return nil, fmt.Errorf("admin: campaigns of %s: %w", t, err)
			}
			for _, camp := range append([]string{""}, camps...) {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				st, err := c.Stats.Stats(t, camp)
				if err != nil {
					return nil, fmt.Errorf("admin: stats of %s: %w", t, err)
				}
				var cs []string
				if camp == "" {
					cs = camps
				}
				b, err := json.Marshal(tenantStats(t, camp, cs, st))
				if err != nil {
					return nil, err
				}
				out[fleet.StatsField(t, camp)] = b
			}
		}
		return out, nil
	}
}

// fleetStats adds the other nodes' published numbers of (tenant,
// campaign) to local, this node's, read now. When Redis does not answer,
// local stands alone and Fleet.Error says so.
func (s *server) fleetStats(ctx context.Context, local TenantStats) TenantStats {
	self := s.FleetStats.NodeID()
	local.Fleet = &FleetInfo{Nodes: []FleetNode{{ID: self, Updated: s.Now().UTC(), Local: true}}, Missing: []string{}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	fs, err := s.FleetStats.Read(ctx, fleetStatsField(local.Tenant, local.Campaign))
	if err != nil {
		local.Fleet.Error = "redis unavailable: this node's numbers only"
		return local
	}
	out := local
	for _, n := range fs.Nodes {
		if n.Node == self {
			continue
		}
		out.Fleet.Nodes = append(out.Fleet.Nodes, FleetNode{ID: n.Node, Updated: n.At.UTC(), Stale: n.Stale})
		if n.Value == nil {
			continue // the node has no numbers for this tenant or campaign
		}
		var ts TenantStats
		if json.Unmarshal(n.Value, &ts) != nil {
			continue
		}
		out.add(ts)
	}
	for _, m := range fs.Missing {
		if m != self {
			out.Fleet.Missing = append(out.Fleet.Missing, m)
		}
	}
	return out
}

func fleetStatsField(tenant, campaign string) string { return fleet.StatsField(tenant, campaign) }

// add sums o's counters into t. A message lives on the node that
// accepted it, and so do its recipients' events, so unique counts add up
// too (an edge on another node records its clicks there: counted once,
// at that node).
func (t *TenantStats) add(o TenantStats) {
	t.Sent += o.Sent
	t.Delivered += o.Delivered
	t.Deferred += o.Deferred
	t.Failed += o.Failed
	t.Bounces += o.Bounces
	t.Complaints += o.Complaints
	t.Unsubscribes += o.Unsubscribes
	t.Opens += o.Opens
	t.UniqueOpens += o.UniqueOpens
	t.MachineOpens += o.MachineOpens
	t.Clicks += o.Clicks
	t.UniqueClicks += o.UniqueClicks
	t.MachineClicks += o.MachineClicks
	t.Anonymous.Opens += o.Anonymous.Opens
	t.Anonymous.MachineOpens += o.Anonymous.MachineOpens
	t.Anonymous.Clicks += o.Anonymous.Clicks
	t.Anonymous.MachineClicks += o.Anonymous.MachineClicks
	t.Anonymous.Unsubscribes += o.Anonymous.Unsubscribes
	t.Links = slices.Clone(t.Links)
	for _, l := range o.Links {
		i := slices.IndexFunc(t.Links, func(x LinkCount) bool { return x.Link == l.Link })
		if i < 0 {
			t.Links = append(t.Links, l)
			continue
		}
		t.Links[i].Clicks += l.Clicks
		t.Links[i].UniqueClicks += l.UniqueClicks
	}
	slices.SortFunc(t.Links, func(a, b LinkCount) int { return a.Link - b.Link })
	for _, c := range o.Campaigns {
		if !slices.Contains(t.Campaigns, c) {
			t.Campaigns = append(slices.Clone(t.Campaigns), c)
		}
	}
	slices.Sort(t.Campaigns)
}

// ApplyErasure is the erasure a fleet request runs at this node
// (fleet.EraseFollower): Erase over st, logged as the API's erasure is,
// with the address's keyed hash only.
func ApplyErasure(st Stores, log *slog.Logger) fleet.EraseFunc {
	return func(ctx context.Context, tenant, addr string) error {
		out, err := Erase(ctx, st, tenant, addr)
		if err != nil {
			log.Error("admin: fleet privacy erase", "tenant", tenant, "rcpt_hash", out.RcptHash, "err", err)
			return err
		}
		for _, k := range out.Removed {
			log.Info("delivery", "msgid", k.ID.String(), "tenant", tenant, "rcpt_index", k.Index,
				"result", "erased", "reply", "erased on request of the fleet")
		}
		log.Info("admin: privacy erase (fleet request)", "tenant", tenant, "rcpt_hash", out.RcptHash,
			"directory", out.DirectoryEntries, "events", out.Events, "webhook_entries", out.WebhookEntries,
			"queued", out.QueuedRemoved, "in_flight", out.InFlightRemoved, "final", out.FinalRecords,
			"messages", out.MessagesRemoved, "suppressions_hashed", out.SuppressionsHashed, "soft_failures", out.SoftFailures)
		return nil
	}
}
