package reputation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
)

// rate is one of the guarded rates.
type rate struct {
	name       string // the events' Reason and the metrics' label
	num, den   counter
	warn, stop func(Thresholds) float64
}

// rates are the guarded rates, in the order they are judged (and the
// bits of scope.warned).
var rates = [...]rate{
	{"complaint_rate", cComplaint, cFBL,
		func(t Thresholds) float64 { return t.ComplaintWarn }, func(t Thresholds) float64 { return t.ComplaintPause }},
	{"hard_bounce_rate", cHard, cFinal,
		func(t Thresholds) float64 { return t.HardBounceWarn }, func(t Thresholds) float64 { return t.HardBouncePause }},
	{"unsubscribe_rate", cUnsub, cDelivered,
		func(t Thresholds) float64 { return t.UnsubscribeWarn }, func(t Thresholds) float64 { return t.UnsubscribePause }},
	{"block_rate", cBlock, cFinal,
		func(t Thresholds) float64 { return t.BlockWarn }, func(t Thresholds) float64 { return t.BlockPause }},
}

// action is a warning or a pause decided under the lock and carried out
// after it (a pause writes to the spool).
type action struct {
	pause        bool
	tenant, camp string
	rate         string
	num, den     uint32
	value, limit float64
	window       string
}

// judge appends the actions s's windows (their sums byCount and byTime)
// call for: a pause when a rate is at or over its pause threshold (once:
// the tenant is then paused), a warning when it is at or over its warn
// threshold (once until it falls below again).
func (g *Guard) judge(acts []action, ts *tenantState, s *scope, camp string, byCount, byTime *counts) []action {
	key := strings.ToLower(ts.name)
	for i, r := range rates {
		a, over := g.worst(ts.th, r, byCount, byTime, r.stop(ts.th))
		if over && !g.paused[key] {
			g.paused[key] = true // the spool hold follows in act
			a.pause, a.tenant, a.camp = true, ts.name, camp
			acts = append(acts, a)
			continue
		}
		a, over = g.worst(ts.th, r, byCount, byTime, r.warn(ts.th))
		bit := uint8(1) << i
		switch {
		case over && s.warned&bit == 0:
			s.warned |= bit
			a.tenant, a.camp = ts.name, camp
			acts = append(acts, a)
		case !over:
			s.warned &^= bit
		}
	}
	return acts
}

// worst judges r against limit in both windows and returns the window
// that crossed (the count window first).
func (g *Guard) worst(th Thresholds, r rate, byCount, byTime *counts, limit float64) (action, bool) {
	if limit <= 0 {
		return action{}, false
	}
	for _, w := range [2]struct {
		name string
		c    *counts
	}{{g.spanCount, byCount}, {g.spanTime, byTime}} {
		num, den := w.c[r.num], w.c[r.den]
		if den == 0 || int(den) < th.MinVolume {
			continue
		}
		if v := float64(num) / float64(den); v >= limit {
			return action{rate: r.name, num: num, den: den, value: v, limit: limit, window: w.name}, true
		}
	}
	return action{}, false
}

// reason is the hold's and the log's text for a.
func (a action) reason() string {
	what := "tenant"
	if a.camp != "" {
		what = "campaign " + a.camp
	}
	return fmt.Sprintf("%s %s %.2f%% >= %.2f%% (%d of %d, %s)", what, strings.ReplaceAll(a.rate, "_", " "),
		100*a.value, 100*a.limit, a.num, a.den, a.window)
}

// act pauses the tenant's marketing stream or warns.
func (g *Guard) act(ctx context.Context, a action) {
	log := g.d.Logger.With("tenant", a.tenant, "campaign", a.camp, "rate", a.rate, "value", a.value,
		"threshold", a.limit, "count", a.num, "of", a.den, "window", a.window)
	kind := KindWarning
	if a.pause {
		kind = KindPaused
		if sh := g.sharedNow(); sh != nil && !sh.ClaimPause(ctx, a.tenant) {
			// Another node crossed the same threshold a moment ago: its
			// hold reaches this spool, and one "paused" event is enough.
			log.Info("reputation: marketing stream paused at another node")
			return
		}
		err := g.d.Holds.SuspendUntil(ctx, "stream", queue.StreamHoldName(a.tenant, queue.Marketing), "reputation", a.reason(), time.Time{})
		if err != nil {
			g.mu.Lock()
			delete(g.paused, strings.ToLower(a.tenant)) // try again at the next event
			g.mu.Unlock()
			log.Error("reputation: pausing marketing stream failed", "err", err)
			return
		}
		log.Warn("reputation: marketing stream paused", "audit", true, "by", "reputation", "reason", a.reason())
		if g.d.Metrics != nil {
			g.d.Metrics.Paused(a.rate)
		}
	} else {
		log.Warn("reputation: warning", "reason", a.reason())
		if g.d.Metrics != nil {
			g.d.Metrics.Warned(a.rate)
		}
	}
	if g.d.Events != nil {
		g.d.Events.Record(events.Event{Time: g.d.Now(), Kind: kind, Tenant: a.tenant, Campaign: a.camp, Reason: a.rate})
	}
}

// Resume lifts tenant's pause, if any, and starts its windows afresh
// (tenant's and its campaigns'): the counts that tripped the guard would
// trip it again at the next event. by is the operator, for the log. It
// returns how many recipients the spool put back on the schedule.
func (g *Guard) Resume(ctx context.Context, tenant, by string) (int, error) {
	if sh := g.sharedNow(); sh != nil { // before the lift: a node that sees the lift finds the windows reset
		if err := sh.Reset(ctx, strings.ToLower(tenant)); err != nil {
			return 0, fmt.Errorf("reputation: resume %s: %w", tenant, err)
		}
	}
	n, err := g.d.Holds.Resume(ctx, "stream", queue.StreamHoldName(tenant, queue.Marketing))
	if err != nil {
		return 0, fmt.Errorf("reputation: resume %s: %w", tenant, err)
	}
	key := strings.ToLower(tenant)
	g.mu.Lock()
	delete(g.paused, key)
	g.forget(key)
	g.mu.Unlock()
	g.d.Logger.Info("reputation: marketing stream resumed", "audit", true, "tenant", tenant, "by", by, "released", n)
	if g.d.Metrics != nil {
		g.d.Metrics.Resumed()
	}
	if g.d.Events != nil {
		g.d.Events.Record(events.Event{Time: g.d.Now(), Kind: KindResumed, Tenant: tenant, Reason: "operator"})
	}
	return n, nil
}

// refreshPaused re-reads the pauses from the spool, so that one lifted
// by other means (ctl queue resume stream T/marketing) can be taken again.
func (g *Guard) refreshPaused() {
	p := map[string]bool{}
	for _, h := range g.d.Holds.Holds() {
		if h.Kind != "stream" {
			continue
		}
		if t, ok := strings.CutSuffix(h.Name, "/"+queue.Marketing.String()); ok {
			p[t] = true
		}
	}
	g.mu.Lock()
	g.paused = p
	g.mu.Unlock()
}

// Paused returns how many tenants have their marketing stream paused.
func (g *Guard) Paused() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.paused)
}

// Dropped returns how many events were not counted because the guard's
// queue was full.
func (g *Guard) Dropped() uint64 { return g.dropped.Load() }
