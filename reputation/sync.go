package reputation

import (
	"context"
	"strings"
	"time"
)

// SetShared makes the guard's windows fleet-wide from now on (fleet
// mode, once the node has joined the fleet); the counts before it stay
// this node's. Safe while the guard runs.
func (g *Guard) SetShared(s Shared) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shared = s
}

// sharedNow is the Shared, nil on a node alone.
func (g *Guard) sharedNow() Shared {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.shared
}

// sums are the sums ts's scope s (camp "" for the tenant's own) is judged
// on: the fleet's when a Shared knows them (fleet is then true), else
// this node's own windows. Called with g.mu held.
func (g *Guard) sums(ts *tenantState, s *scope, camp string, now time.Time, slot int64) (byCount, byTime Counts, fleet bool) {
	if g.shared != nil {
		if c, t, ok := g.shared.Sums(Scope{Tenant: strings.ToLower(ts.name), Campaign: camp}, now); ok {
			return c, t, true
		}
	}
	c, t := s.w.sums(slot)
	return c, t, false
}

// Sync is fleet mode's round (Deps.Shared): it sends this node's counts
// to the fleet and reads the fleet's sums, forgets the windows of tenants
// another node resumed, and judges the scopes it read. While the fleet's
// sums are known, this is where the guard judges, not as it counts: the
// sums just read are of one moment, whereas between two Syncs this
// node's own counts run ahead of the other nodes' (complaints counted
// here over deliveries another node has not sent yet would overstate the
// rate). A pause waits at most one SyncInterval for it. Run calls Sync
// every SyncInterval; tests call it to step.
//
// The spool's pauses are read first: a lift seen here was preceded by its
// Reset in Redis (Resume resets, then lifts), so this Sync sees the reset
// and the guard does not pause again on the counts that tripped it.
func (g *Guard) Sync(ctx context.Context) {
	sh := g.sharedNow()
	if sh == nil {
		return
	}
	g.refreshPaused()
	read, reset := sh.Sync(ctx)
	if len(read) == 0 && len(reset) == 0 {
		return
	}
	now := g.d.Now()
	slot := slotOf(now, g.cfg.WindowTime)
	var acts []action
	g.mu.Lock()
	for _, t := range reset {
		g.forget(t)
	}
	for _, sc := range read {
		ts := g.tenants[sc.Tenant]
		if ts == nil {
			continue
		}
		s := &ts.all
		if sc.Campaign != "" {
			if s = ts.camps[sc.Campaign]; s == nil {
				continue
			}
		}
		byCount, byTime, _ := g.sums(ts, s, sc.Campaign, now, slot)
		acts = g.judge(acts, ts, s, sc.Campaign, &byCount, &byTime)
	}
	g.mu.Unlock()
	for _, a := range acts {
		g.act(ctx, a)
	}
}

// forget drops the windows of tenant (lower case) and of its campaigns,
// saved ones included. Called with g.mu held.
func (g *Guard) forget(key string) {
	ts := g.tenants[key]
	if ts == nil {
		return
	}
	g.removed = append(g.removed, saveKey(ts.name, ""))
	for c := range ts.camps {
		g.removed = append(g.removed, saveKey(ts.name, c))
	}
	delete(g.tenants, key)
}
