package fleet

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tracking/events"
)

// repClock is one test's clock, moved by the test only.
type repClock struct{ ns atomic.Int64 }

func (c *repClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *repClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// repEvents keeps a guard's events.
type repEvents struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *repEvents) Record(ev events.Event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return true
}

// count is how many events of kind r holds for tenant.
func (r *repEvents) count(kind events.Kind, tenant string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.evs {
		if ev.Kind == kind && ev.Tenant == tenant {
			n++
		}
	}
	return n
}

// repNode is one node's guard over its own spool, sharing its windows
// through rc.
type repNode struct {
	c     *Client
	rc    *ReputationCounts
	g     *reputation.Guard
	spool *queue.Store
	ev    *repEvents
	msg   uint64
}

// repNodes are n nodes' guards on one Redis and one clock; every
// recipient is at yahoo.com (a feedback loop's).
func repNodes(t *testing.T, srv *redistest.Server, clk *repClock, n int) []*repNode {
	t.Helper()
	var nodes []*repNode
	for i := range n {
		spool, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { spool.Close() })
		c := client(t, srv, "rep"+strconv.Itoa(i))
		rc := c.ReputationCounts(ReputationOptions{Now: clk.Now})
		nd := &repNode{c: c, rc: rc, spool: spool, ev: &repEvents{}, msg: uint64(i) << 40}
		nd.g, err = reputation.New(reputation.Config{}, reputation.Deps{Holds: spool, Events: nd.ev, Shared: rc, Now: clk.Now,
			Receiver: func(uint64, uint32) (string, string, bool) { return "yahoo.com", "", true },
			Logger:   slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := nd.g.Load(); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, nd)
	}
	return nodes
}

// feed counts n events of kind for tenant at the node, a second apart.
func (nd *repNode) feed(clk *repClock, kind events.Kind, tenant string, n int) {
	for range n {
		nd.msg++
		clk.Add(time.Millisecond)
		nd.g.Observe(context.Background(), events.Event{Kind: kind, Tenant: tenant, Campaign: "spring", Message: nd.msg})
	}
}

func (nd *repNode) paused(tenant string) bool { return nd.g.Status(tenant).Paused != nil }

// fleetWindow is the tenant's own time window as the node shows it.
func (nd *repNode) fleetWindow(t *testing.T, tenant string) reputation.Window {
	t.Helper()
	w := nd.g.Status(tenant).Windows
	if len(w) < 2 {
		t.Fatalf("%s has no windows", tenant)
	}
	return w[1]
}

func newRepClock() *repClock {
	c := &repClock{}
	c.ns.Store(clock.Now().UTC().Truncate(time.Hour).UnixNano())
	return c
}

// TestReputationFleetRatePauses: deliveries counted at one node and
// complaints at the other make a rate neither node sees alone; the node
// that reads the fleet's sums at its next Sync pauses the tenant, and
// the other, crossing the same threshold on the same sums, emits no
// second "paused" event. Both ways round: the delivering node pauses
// (tenant "acme"), and the complaining node does (tenant "shop").
func TestReputationFleetRatePauses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newRepClock()
	n := repNodes(t, srv, clk, 2)
	a, b := n[0], n[1]
	ctx := t.Context()

	// acme: complaints at B first, then the deliveries at A.
	b.feed(clk, events.KindComplaint, "acme", 10)
	b.g.Sync(ctx)
	a.feed(clk, events.KindDelivered, "acme", 2000)
	if a.paused("acme") || b.paused("acme") {
		t.Fatal("paused on one node's slice alone")
	}
	a.g.Sync(ctx) // reads B's 10 complaints over its 2000: 0.5 %
	if !a.paused("acme") {
		t.Fatalf("A did not pause on the fleet's rate; its window %+v", a.fleetWindow(t, "acme"))
	}
	b.g.Sync(ctx) // B crosses on the same sums
	if got := a.ev.count(reputation.KindPaused, "acme") + b.ev.count(reputation.KindPaused, "acme"); got != 1 {
		t.Fatalf("%d paused events for one crossing, want 1", got)
	}
	w := b.fleetWindow(t, "acme")
	if w.FBLDelivered != 2000 || w.Complaints != 10 {
		t.Fatalf("B's window = %+v, want the fleet's 2000 deliveries and 10 complaints", w)
	}

	// shop: deliveries at A first, then the complaints at B.
	a.feed(clk, events.KindDelivered, "shop", 2000)
	a.g.Sync(ctx)
	b.feed(clk, events.KindComplaint, "shop", 10)
	b.g.Sync(ctx)
	if !b.paused("shop") {
		t.Fatalf("B did not pause on the fleet's rate; its window %+v", b.fleetWindow(t, "shop"))
	}
	a.g.Sync(ctx)
	if got := a.ev.count(reputation.KindPaused, "shop") + b.ev.count(reputation.KindPaused, "shop"); got != 1 {
		t.Fatalf("%d paused events for one crossing, want 1", got)
	}
}

// TestReputationFleetBelowThresholdNeverPauses: a fleet rate under the
// pause threshold, and a rate over it under the minimum volume, pause no
// node however often they sync.
func TestReputationFleetBelowThresholdNeverPauses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newRepClock()
	n := repNodes(t, srv, clk, 2)
	a, b := n[0], n[1]
	ctx := t.Context()
	for range 3 { // complaints come after the deliveries they are about
		a.feed(clk, events.KindDelivered, "good", 1000) // 3000 in all
		a.feed(clk, events.KindDelivered, "small", 150) // 450 < min_volume 1000
		a.g.Sync(ctx)
		b.feed(clk, events.KindComplaint, "good", 2)   // 6: 0.2 %
		b.feed(clk, events.KindComplaint, "small", 10) // 30: 6.7 %
		b.g.Sync(ctx)
	}
	a.g.Sync(ctx)
	for _, nd := range n {
		for _, tenant := range []string{"good", "small"} {
			if nd.paused(tenant) {
				t.Fatalf("%s paused: %+v", tenant, nd.fleetWindow(t, tenant))
			}
		}
	}
	if w := b.fleetWindow(t, "good"); w.FBLDelivered != 3000 || w.Complaints != 6 {
		t.Fatalf("B's window of good = %+v, want the fleet's 3000 and 6", w)
	}
	if w := a.fleetWindow(t, "small"); w.FBLDelivered != 450 || w.Complaints != 30 {
		t.Fatalf("A's window of small = %+v, want the fleet's 450 and 30", w)
	}
}

// TestReputationFleetRedisLostAndBack: Redis killed; the nodes count on
// (degraded: each judges on its own windows); Redis restarted empty; the
// nodes push their counts again: the fleet's windows hold every count
// once. Then every node pushing its whole window again onto a Redis that
// has it (its epoch gone) counts nothing twice either.
func TestReputationFleetRedisLostAndBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newRepClock()
	n := repNodes(t, srv, clk, 2)
	a, b := n[0], n[1]
	ctx := t.Context()
	a.feed(clk, events.KindDelivered, "acme", 2000)
	b.feed(clk, events.KindComplaint, "acme", 3)
	a.g.Sync(ctx)
	b.g.Sync(ctx)
	a.g.Sync(ctx)
	if w := a.fleetWindow(t, "acme"); w.FBLDelivered != 2000 || w.Complaints != 3 {
		t.Fatalf("before the outage A's window = %+v", w)
	}

	srv.Kill()
	a.feed(clk, events.KindDelivered, "acme", 1000)
	b.feed(clk, events.KindComplaint, "acme", 2)
	a.g.Sync(ctx)
	b.g.Sync(ctx)
	if a.rc.Stats().Up || b.rc.Stats().Up {
		t.Fatal("a Sync reached a killed Redis")
	}
	if w := a.fleetWindow(t, "acme"); w.FBLDelivered != 3000 || w.Complaints != 0 {
		t.Fatalf("degraded, A's window = %+v, want its own 3000 and no complaints", w)
	}

	srv.RestartEmpty()
	waitHealthy(t, a.c, b.c)
	a.g.Sync(ctx)
	b.g.Sync(ctx)
	a.g.Sync(ctx)
	for i, nd := range n {
		if w := nd.fleetWindow(t, "acme"); w.FBLDelivered != 3000 || w.Complaints != 5 {
			t.Fatalf("after Redis came back empty node %d's window = %+v, want 3000 and 5", i, w)
		}
	}

	if _, err := srv.Do(ctx, "DEL", "sluice:rep:epoch"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a.g.Sync(ctx)
		b.g.Sync(ctx)
	}
	for i, nd := range n {
		if w := nd.fleetWindow(t, "acme"); w.FBLDelivered != 3000 || w.Complaints != 5 {
			t.Fatalf("after every node pushed again node %d's window = %+v, want 3000 and 5", i, w)
		}
	}
}

// TestReputationFleetResume: a tenant resumed at one node starts afresh
// at every node: the other forgets its windows at its next Sync and does
// not pause again on the counts that tripped the guard.
func TestReputationFleetResume(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newRepClock()
	n := repNodes(t, srv, clk, 2)
	a, b := n[0], n[1]
	ctx := t.Context()
	a.feed(clk, events.KindDelivered, "acme", 2000)
	b.feed(clk, events.KindComplaint, "acme", 10)
	a.g.Sync(ctx)
	b.g.Sync(ctx)
	paused := a
	if !paused.paused("acme") {
		paused = b
	}
	if !paused.paused("acme") {
		t.Fatal("not paused")
	}
	if _, err := paused.g.Resume(ctx, "acme", "ctl:test"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a.g.Sync(ctx)
		b.g.Sync(ctx)
	}
	a.feed(clk, events.KindDelivered, "acme", 10)
	b.feed(clk, events.KindComplaint, "acme", 1)
	a.g.Sync(ctx)
	b.g.Sync(ctx)
	a.g.Sync(ctx)
	for i, nd := range n {
		if nd.paused("acme") {
			t.Fatalf("node %d paused again after the resume", i)
		}
		if w := nd.fleetWindow(t, "acme"); w.FBLDelivered != 10 || w.Complaints != 1 {
			t.Fatalf("node %d's window after the resume = %+v, want only what came since", i, w)
		}
	}
	if got := a.ev.count(reputation.KindPaused, "acme") + b.ev.count(reputation.KindPaused, "acme"); got != 1 {
		t.Fatalf("%d paused events, want the first one only", got)
	}
}

// TestReputationCountWindowFromBuckets: the count window is the buckets
// newest first up to WindowMessages finished messages, the bucket that
// crosses prorated; the time window is every bucket in it; buckets older
// than the window are dropped.
func TestReputationCountWindowFromBuckets(t *testing.T) {
	t.Parallel()
	r := (&Client{opts: Options{NodeID: "n"}}).ReputationCounts(ReputationOptions{WindowMessages: 1000, Now: newRepClock().Now})
	counts := func(finished, complaints uint32) reputation.Counts {
		var c reputation.Counts
		c[reputation.CountFinished], c[reputation.CountComplaints] = finished, complaints
		return c
	}
	for _, tc := range []struct {
		name            string
		fleet           map[int64]reputation.Counts
		byCount, byTime reputation.Counts
		left            int
	}{
		{"under the count", map[int64]reputation.Counts{100: counts(300, 3), 99: counts(200, 1)},
			counts(500, 4), counts(500, 4), 2},
		{"prorated", map[int64]reputation.Counts{100: counts(600, 6), 98: counts(800, 8)},
			counts(1000, 10), counts(1400, 14), 2},
		{"old bucket dropped", map[int64]reputation.Counts{100: counts(10, 0), 100 - r.nb: counts(5000, 50)},
			counts(10, 0), counts(10, 0), 1},
	} {
		s := &repScope{fleet: tc.fleet}
		r.resum(s, 100, 100-r.nb+1)
		if s.byCount != tc.byCount || s.byTime != tc.byTime || len(s.fleet) != tc.left {
			t.Errorf("%s: count %v time %v (%d buckets), want %v %v (%d)", tc.name, s.byCount, s.byTime, len(s.fleet),
				tc.byCount, tc.byTime, tc.left)
		}
	}
}

// TestReputationSyncAnswerChecked: an answer that does not match the
// request is refused, never half applied.
func TestReputationSyncAnswerChecked(t *testing.T) {
	t.Parallel()
	b := &repBatch{tenants: []string{"acme"}, reads: []repRead{{}}}
	sums := make([]any, reputation.NumCounts)
	for i := range sums {
		sums[i] = int64(1)
	}
	for _, tc := range []struct {
		name string
		res  []any
		ok   bool
	}{
		{"good", []any{"e", []any{int64(2)}, sums}, true},
		{"short", []any{"e", []any{int64(2)}}, false},
		{"epoch not a string", []any{int64(1), []any{int64(2)}, sums}, false},
		{"missing generation", []any{"e", []any{}, sums}, false},
		{"missing sums", []any{"e", []any{int64(2)}, sums[1:]}, false},
		{"negative", []any{"e", []any{int64(-1)}, sums}, false},
		{"not a number", []any{"e", []any{"2"}, sums}, false},
	} {
		if err := b.check(tc.res); (err == nil) != tc.ok {
			t.Errorf("%s: check = %v", tc.name, err)
		}
	}
}
