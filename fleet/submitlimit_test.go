package fleet

import (
	"context"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/mta/submit"
)

// limiters are n nodes' TenantLimits over one Redis, with the same
// limits.
func limiters(t *testing.T, srv *redistest.Server, limits map[string]submit.Limit, n int) ([]*TenantLimits, []*Client) {
	t.Helper()
	var ls []*TenantLimits
	var cs []*Client
	for i := range n {
		c := client(t, srv, "node"+string(rune('a'+i)))
		cs = append(cs, c)
		ls = append(ls, c.TenantLimits(limits))
	}
	return ls, cs
}

// submitOne is one transaction of tenant at l: MAIL FROM's check, then the
// accepted message when allowed.
func submitOne(ctx context.Context, l *TenantLimits, tenant string) (bool, time.Duration, string) {
	ok, retry, reason := l.Allow(ctx, tenant)
	if ok {
		l.Accepted(ctx, tenant, 1)
	}
	return ok, retry, reason
}

func TestTenantLimitsDailyQuotaIsSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	const quota = 10
	ls, _ := limiters(t, srv, map[string]submit.Limit{"acme": {Daily: quota}}, 2)
	ctx := t.Context()
	for i := range quota {
		if ok, _, reason := submitOne(ctx, ls[i%2], "acme"); !ok {
			t.Fatalf("message %d refused (%s) under the quota", i+1, reason)
		}
	}
	for i, l := range ls {
		ok, retry, reason := l.Allow(ctx, "acme")
		if ok || reason != submit.LimitDaily {
			t.Fatalf("node %d after %d fleet messages: ok=%v reason=%q, want refused %q", i, quota, ok, reason, submit.LimitDaily)
		}
		if retry <= 0 || retry > 24*time.Hour {
			t.Fatalf("node %d: retry after %v, want until the next UTC midnight", i, retry)
		}
	}
	// Each node alone counted 5: a LocalLimiter per node would still allow.
	if got, err := srv.Do(ctx, "HGET", "sluice:tenant:day:acme", "n"); err != nil || got != "10" {
		t.Fatalf("Redis's count = %q, %v; want 10", got, err)
	}
}

func TestTenantLimitsRateIsSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	// One message per 100 s after a burst of 4: whatever the test's pace,
	// the fleet gets exactly 4; two local limiters would give 8.
	ls, _ := limiters(t, srv, map[string]submit.Limit{"acme": {Rate: 0.01, Burst: 4}}, 2)
	allowed := 0
	var last string
	for i := range 10 {
		ok, retry, reason := ls[i%2].Allow(t.Context(), "acme")
		if ok {
			allowed++
			continue
		}
		last = reason
		if retry < 90*time.Second || retry > 100*time.Second {
			t.Fatalf("retry after %v, want ≈ 100 s (one emission interval)", retry)
		}
	}
	if allowed != 4 || last != submit.LimitRate {
		t.Fatalf("fleet allowed %d (last refusal %q), want the burst of 4 then %q", allowed, last, submit.LimitRate)
	}
}

func TestTenantLimitsWithoutLimitsCostNoRoundTrip(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	ls, _ := limiters(t, srv, map[string]submit.Limit{"acme": {Daily: 5}, "zero": {}}, 1)
	ctx := t.Context()
	before, err := srv.Commands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		for _, tenant := range []string{"free", "zero"} {
			if ok, _, _ := submitOne(ctx, ls[0], tenant); !ok {
				t.Fatalf("tenant %q without limits refused", tenant)
			}
		}
	}
	if after, _ := srv.Commands(ctx); after != before {
		t.Fatalf("Redis ran %d commands for tenants without limits, want 0", after-before)
	}
}

func TestTenantLimitsDegradeToTheNodesShare(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{Persistent: true})
	ls, cs := limiters(t, srv, map[string]submit.Limit{"acme": {Daily: 10}}, 2)
	ctx := t.Context()
	for i := range 4 {
		if ok, _, _ := submitOne(ctx, ls[i%2], "acme"); !ok {
			t.Fatal("refused under the quota")
		}
	}
	for i, c := range cs {
		c.liveCount.Store(2)     // as the heartbeats saw it
		ls[i].Allow(ctx, "acme") // each node last read the day's count: 4
	}
	srv.Kill()
	// 6 left of the day, two live nodes: 3 each, counted locally.
	for node, l := range ls {
		for i := range 3 {
			if ok, _, reason := submitOne(ctx, l, "acme"); !ok {
				t.Fatalf("node %d, message %d of its share refused (%s) with Redis down", node, i+1, reason)
			}
		}
		if ok, _, reason := l.Allow(ctx, "acme"); ok || reason != submit.LimitDaily {
			t.Fatalf("node %d beyond its share with Redis down: ok=%v %q, want refused %q", node, ok, reason, submit.LimitDaily)
		}
	}
	if cs[0].Stats().DegradedCalls == 0 {
		t.Fatal("no degraded call counted")
	}
	srv.Restart()
	waitHealthy(t, cs...)
	// The messages taken during the outage reach Redis with the next
	// accepted ones; the quota is spent fleet-wide.
	for _, l := range ls {
		l.Accepted(ctx, "acme", 1) // one more message each carries the pending ones
	}
	if got, err := srv.Do(ctx, "HGET", "sluice:tenant:day:acme", "n"); err != nil || got != "12" {
		t.Fatalf("Redis's count after recovery = %q, %v; want 4 + 3 + 3 + 2 = 12", got, err)
	}
	if ok, _, reason := ls[0].Allow(ctx, "acme"); ok || reason != submit.LimitDaily {
		t.Fatalf("after recovery: ok=%v %q, want refused", ok, reason)
	}
}

func TestTenantLimitsReseedAnEmptiedRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	ls, cs := limiters(t, srv, map[string]submit.Limit{"acme": {Daily: 8}}, 2)
	ctx := t.Context()
	for i := range 6 {
		if ok, _, _ := submitOne(ctx, ls[i%2], "acme"); !ok {
			t.Fatal("refused under the quota")
		}
	}
	ls[0].Allow(ctx, "acme") // node a reads the day's count: 6
	srv.RestartEmpty()
	waitHealthy(t, cs...)
	// Node a's next message raises the emptied count back to what it
	// read, so only 2 of the day's 8 are left (not 8 again).
	if ok, _, _ := submitOne(ctx, ls[0], "acme"); !ok {
		t.Fatal("refused under the quota")
	}
	if ok, _, _ := submitOne(ctx, ls[1], "acme"); !ok {
		t.Fatal("refused under the quota")
	}
	if ok, _, reason := ls[1].Allow(ctx, "acme"); ok || reason != submit.LimitDaily {
		t.Fatalf("after Redis came back empty: ok=%v %q, want the quota still spent", ok, reason)
	}
}

func TestLocalLimiterHandsDecisionsToTheFleet(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	limits := map[string]submit.Limit{"acme": {Daily: 3}}
	var nodes []*submit.LocalLimiter
	for i := range 2 {
		local, err := submit.NewLocalLimiter(submit.LocalLimiterConfig{Limits: limits})
		if err != nil {
			t.Fatal(err)
		}
		local.SetShared(client(t, srv, "local"+string(rune('a'+i))).TenantLimits(local.Limits()))
		nodes = append(nodes, local)
	}
	ctx := t.Context()
	for i := range 3 {
		l := nodes[i%2]
		if ok, _, _ := l.Allow(ctx, "acme"); !ok {
			t.Fatal("refused under the quota")
		}
		l.Accepted(ctx, "acme", 1)
	}
	if ok, _, reason := nodes[1].Allow(ctx, "acme"); ok || reason != submit.LimitDaily {
		t.Fatalf("node b with 1 local message and 3 in the fleet: ok=%v %q, want refused", ok, reason)
	}
	if got := nodes[0].Count("acme"); got != 2 {
		t.Fatalf("node a's own count = %d, want 2", got)
	}
}

// waitHealthy waits until each client's probe found Redis again (a
// probe runs at most every retryEvery).
func waitHealthy(t *testing.T, cs ...*Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, c := range cs {
		for !c.Healthy() {
			if time.Now().After(deadline) {
				t.Fatal("client still degraded 10 s after Redis came back")
			}
			if c.try() {
				_ = c.observe(c.rdb.Ping(t.Context()).Err())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
