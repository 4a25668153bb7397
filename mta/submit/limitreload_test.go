package submit

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSetLimitsKeepsTheDaysCount: new limits apply at the next MAIL FROM
// of a session already open; the day's count survives them (a quota
// lowered under it refuses at once; raised, the tenant goes on from its
// count, not from 0; removed and put back the same day, the count is
// still there); a lowered burst is not passed; invalid limits change
// nothing.
func TestSetLimitsKeepsTheDaysCount(t *testing.T) {
	t.Parallel()
	clock := &limitClock{t: time.Date(2027, 5, 4, 10, 0, 0, 0, time.UTC)}
	ts, lim := limitServer(t, clock, map[string]Limit{"acme": {Daily: 10}, "beta": {Rate: 1, Burst: 10}})
	acme := dialRaw(t, ts.addr).login("acme")
	beta := dialRaw(t, ts.addr).login("beta")
	for i := range 4 {
		if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("message %d under the quota: %q", i, r)
		}
	}
	if r := submit(beta, "beta"); !strings.HasPrefix(r, "250 ") { // 9 tokens left of 10
		t.Fatalf("beta: %q", r)
	}

	// Quota lowered under today's count: refused at once, same session.
	if err := lim.SetLimits(map[string]Limit{"acme": {Daily: 3}, "beta": {Rate: 1, Burst: 2}}); err != nil {
		t.Fatal(err)
	}
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "451 4.7.1 Daily") {
		t.Fatalf("quota lowered to 3 after 4 messages: %q, want 451 4.7.1", r)
	}
	// Burst lowered from 10 (all tokens there) to 2: two go, the third waits.
	for i := range 2 {
		if r := submit(beta, "beta"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("beta message %d within the new burst: %q", i, r)
		}
	}
	if r := submit(beta, "beta"); !strings.HasPrefix(r, "451 4.7.1 Message rate") {
		t.Fatalf("beta over its new burst of 2: %q", r)
	}

	// Raised: the count goes on from 4.
	if err := lim.SetLimits(map[string]Limit{"acme": {Daily: 6}}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("message %d under the raised quota: %q", 5+i, r)
		}
	}
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "451 4.7.1 Daily") {
		t.Fatalf("the 7th message with a quota of 6: %q", r)
	}
	if r := submit(beta, "beta"); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("beta with its limits removed: %q", r)
	}

	// Removed, then back the same day: the count was kept.
	if err := lim.SetLimits(nil); err != nil {
		t.Fatal(err)
	}
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("acme unlimited: %q", r)
	}
	if err := lim.SetLimits(map[string]Limit{"acme": {Daily: 6}}); err != nil {
		t.Fatal(err)
	}
	if n := lim.Count("acme"); n != 6 {
		t.Errorf("count after the quota came back: %d, want 6 (what was counted under a quota)", n)
	}
	if r := submit(acme, "acme"); !strings.HasPrefix(r, "451 4.7.1 Daily") {
		t.Fatalf("quota back the same day: %q", r)
	}

	// Invalid: refused, nothing changes.
	if err := lim.SetLimits(map[string]Limit{"acme": {Daily: -1}}); err == nil {
		t.Fatal("a negative quota was accepted")
	}
	if got := lim.Limits()["acme"]; got.Daily != 6 {
		t.Errorf("limits after a refused set: %+v", got)
	}
}

// recordingShared is a shared limiter that records the limits it is set.
type recordingShared struct {
	mu  sync.Mutex
	got []map[string]Limit
}

func (r *recordingShared) Allow(context.Context, string) (bool, time.Duration, string) {
	return true, 0, ""
}
func (r *recordingShared) Accepted(context.Context, string, int) {}
func (r *recordingShared) SetLimits(l map[string]Limit) error {
	r.mu.Lock()
	r.got = append(r.got, l)
	r.mu.Unlock()
	return nil
}

// TestSetLimitsReachesTheSharedLimiter: a fleet's limiter set with
// SetShared gets the new limits too.
func TestSetLimitsReachesTheSharedLimiter(t *testing.T) {
	t.Parallel()
	lim, err := NewLocalLimiter(LocalLimiterConfig{Limits: map[string]Limit{"acme": {Daily: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	sh := &recordingShared{}
	lim.SetShared(sh)
	if err := lim.SetLimits(map[string]Limit{"acme": {Daily: 2}}); err != nil {
		t.Fatal(err)
	}
	if len(sh.got) != 1 || sh.got[0]["acme"].Daily != 2 {
		t.Fatalf("shared limiter was set %+v", sh.got)
	}
}
