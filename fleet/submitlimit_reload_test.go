package fleet

import (
	"testing"

	"sluice/fleet/redistest"
	"sluice/mta/submit"
)

// TestTenantLimitsSetLimitsKeepsTheFleetsCount: a reload's new quota
// applies at the next MAIL FROM at every node, against the day's count
// the fleet kept in Redis (lowered under it: refused; raised: the
// messages left, not a fresh day).
func TestTenantLimitsSetLimitsKeepsTheFleetsCount(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	ls, _ := limiters(t, srv, map[string]submit.Limit{"acme": {Daily: 10}}, 2)
	ctx := t.Context()
	for i := range 6 {
		if ok, _, reason := submitOne(ctx, ls[i%2], "acme"); !ok {
			t.Fatalf("message %d refused (%s) under the quota", i+1, reason)
		}
	}
	set := func(daily int64) {
		t.Helper()
		for _, l := range ls {
			if err := l.SetLimits(map[string]submit.Limit{"acme": {Daily: daily}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	set(5)
	for i, l := range ls {
		if ok, _, reason := l.Allow(ctx, "acme"); ok || reason != submit.LimitDaily {
			t.Fatalf("node %d, quota lowered to 5 after 6: ok=%v %q, want refused", i, ok, reason)
		}
	}
	set(8)
	allowed := 0
	for i := range 4 {
		if ok, _, _ := submitOne(ctx, ls[i%2], "acme"); ok {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("quota raised to 8 after 6: %d more allowed, want 2", allowed)
	}
}
