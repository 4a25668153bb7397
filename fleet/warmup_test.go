package fleet

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/mta/shaping"
)

// warmClock is one test's clock, moved by the test only.
type warmClock struct{ ns atomic.Int64 }

func (c *warmClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *warmClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// newWarmClock starts at 10:00 UTC of today's date.
func newWarmClock() *warmClock {
	c := &warmClock{}
	c.ns.Store(clock.Now().UTC().Truncate(24 * time.Hour).Add(10 * time.Hour).UnixNano())
	return c
}

// warmNodes are n nodes' Warmups (source "new" on curve) counting in one
// Redis, with their fleet counters and clients.
func warmNodes(t *testing.T, srv *redistest.Server, clk *warmClock, curve []int, n int) ([]*shaping.Warmup, []*WarmupCounts, []*Client) {
	t.Helper()
	var ws []*shaping.Warmup
	var wcs []*WarmupCounts
	var cs []*Client
	for i := range n {
		w, err := shaping.NewWarmup(shaping.WarmupOptions{Now: clk.Now,
			Sources: []shaping.WarmupSource{{Name: "new", Curve: curve}}})
		if err != nil {
			t.Fatal(err)
		}
		c := client(t, srv, "warm"+strconv.Itoa(i))
		wc := c.WarmupCounts()
		w.SetShared(wc)
		ws, wcs, cs = append(ws, w), append(wcs, wc), append(cs, c)
	}
	return ws, wcs, cs
}

// takeAll asks each node in turn for one message, rounds times, and
// returns how many were granted in all.
func takeAll(ws []*shaping.Warmup, site string, rounds int) int {
	granted := 0
	for i := range rounds {
		granted += ws[i%len(ws)].Take("new", site, 1)
	}
	return granted
}

// redisCount is the fleet's count of "new" at site on clk's day: taken
// less given.
func redisCount(t *testing.T, srv *redistest.Server, clk *warmClock, site string) int {
	t.Helper()
	key := "sluice:warmup:new|" + site + ":" + clk.Now().Format(time.DateOnly)
	var n [2]int
	for i, field := range []string{"t", "g"} {
		got, err := srv.Do(t.Context(), "HGET", key, field)
		if err != nil {
			t.Fatal(err)
		}
		if n[i], err = strconv.Atoi(got); err != nil {
			t.Fatalf("HGET %s %s = %q: %v", key, field, got, err)
		}
	}
	return n[0] - n[1]
}

func TestWarmupAllowanceIsSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newWarmClock()
	ws, _, _ := warmNodes(t, srv, clk, []int{10}, 2)
	// Each node alone would grant 10: 20 in all.
	if got := takeAll(ws, "gmail", 30); got != 10 {
		t.Fatalf("two nodes granted %d of an allowance of 10, want 10", got)
	}
	for i, w := range ws {
		if left := w.Left("new", "gmail"); left != 0 {
			t.Fatalf("node %d: Left = %d after the fleet spent the day, want 0", i, left)
		}
	}
	if got := redisCount(t, srv, clk, "gmail"); got != 10 {
		t.Fatalf("Redis's count = %d, want 10", got)
	}
	// Give returns to the fleet: another node may take it.
	ws[0].Give("new", "gmail", 2)
	if got := ws[1].Take("new", "gmail", 5); got != 2 {
		t.Fatalf("after 2 given back at node 0, node 1 took %d, want 2", got)
	}
	// Sites count apart.
	if got := takeAll(ws, "outlook", 12); got != 10 {
		t.Fatalf("outlook: granted %d, want its own 10", got)
	}
}

func TestWarmupSharedDegradesToTheNodesShare(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{Persistent: true})
	clk := newWarmClock()
	ws, wcs, cs := warmNodes(t, srv, clk, []int{10}, 2)
	if got := takeAll(ws, "gmail", 4); got != 4 {
		t.Fatalf("granted %d of 4 under the allowance", got)
	}
	day := clk.Now().Truncate(24 * time.Hour)
	for i, wc := range wcs {
		cs[i].liveCount.Store(2)            // as the heartbeats saw it
		wc.Take("new", "gmail", day, 0, 10) // each node last read the day's count: 4
	}
	srv.Kill()
	// 6 left of the day, two live nodes: 3 each, counted locally.
	for i, w := range ws {
		if got := w.Take("new", "gmail", 5); got != 3 {
			t.Fatalf("node %d with Redis down granted %d, want its share 3", i, got)
		}
		if got := w.Take("new", "gmail", 1); got != 0 {
			t.Fatalf("node %d beyond its share with Redis down granted %d", i, got)
		}
		if left := w.Left("new", "gmail"); left != 0 {
			t.Fatalf("node %d: Left = %d with its share spent, want 0", i, left)
		}
	}
	if cs[0].Stats().DegradedCalls == 0 {
		t.Fatal("no degraded call counted")
	}
	srv.Restart()
	waitHealthy(t, cs...)
	// What each took during the outage reaches Redis with its next call.
	for _, wc := range wcs {
		wc.Take("new", "gmail", day, 0, 10)
	}
	if got := redisCount(t, srv, clk, "gmail"); got != 10 {
		t.Fatalf("Redis's count after recovery = %d, want 4 + 3 + 3 = 10", got)
	}
	for i, w := range ws {
		if got := w.Take("new", "gmail", 1); got != 0 {
			t.Fatalf("node %d after recovery granted %d of a spent day", i, got)
		}
	}
}

func TestWarmupSharedDayRollsOver(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newWarmClock()
	ws, _, _ := warmNodes(t, srv, clk, []int{2, 3}, 2)
	if got := takeAll(ws, "gmail", 6); got != 2 {
		t.Fatalf("day 1: granted %d, want 2", got)
	}
	clk.Add(24 * time.Hour)
	if got := takeAll(ws, "gmail", 6); got != 3 {
		t.Fatalf("day 2: granted %d, want day 2's 3 counted from zero", got)
	}
	if got := redisCount(t, srv, clk, "gmail"); got != 3 {
		t.Fatalf("day 2's count in Redis = %d, want 3", got)
	}
	if ttl, err := srv.Do(t.Context(), "TTL", "sluice:warmup:new|gmail:"+clk.Now().Format(time.DateOnly)); err != nil || ttl == "-1" {
		t.Fatalf("day's count TTL = %q, %v; want an expiry", ttl, err)
	}
	clk.Add(24 * time.Hour) // past the curve: warm, unlimited, no round trip
	before, err := srv.Commands(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := takeAll(ws, "gmail", 50); got != 50 {
		t.Fatalf("a warm source granted %d of 50", got)
	}
	if after, _ := srv.Commands(t.Context()); after != before {
		t.Fatalf("Redis ran %d commands for a warm source, want 0", after-before)
	}
}

func TestWarmupSharedReseedsAnEmptiedRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	clk := newWarmClock()
	ws, _, cs := warmNodes(t, srv, clk, []int{8}, 2)
	if got := takeAll(ws, "gmail", 6); got != 6 {
		t.Fatalf("granted %d of 6 under the allowance", got)
	}
	srv.RestartEmpty()
	waitHealthy(t, cs...)
	// Node 1 last read 6: the emptied count is raised back to it, so 2 of
	// the day's 8 are left, not 8 again.
	if got := ws[1].Take("new", "gmail", 5); got != 2 {
		t.Fatalf("after Redis came back empty node 1 granted %d, want the 2 left of the day", got)
	}
	if got := ws[0].Take("new", "gmail", 5); got != 0 {
		t.Fatalf("after Redis came back empty node 0 granted %d of a spent day", got)
	}
}
