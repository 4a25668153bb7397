package reputation

import (
	"context"
	"testing"

	"sluice/tracking/events"
)

// TestReplayedReturnsCountOnce: a recipient replaying its own bounce or
// complaint hundreds of times is one hard bounce, one complaint; the
// same number of distinct recipients' returns pauses. Before the fix 500
// copies of one bounce paused the tenant (each counted).
func TestReplayedReturnsCountOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range []struct {
		ev     events.Kind
		reason string
	}{{events.KindBounce, "hard_invalid_recipient"}, {events.KindComplaint, "complaint"}} {
		f := newFixture(t, Config{}, domains("yahoo.com"))
		ctx := context.Background()
		if at := f.send("t", "", 1, 2000, 0, 0, 0); at != 0 {
			t.Fatalf("paused by deliveries alone at %d", at)
		}
		for i := 0; i < 500; i++ {
			f.g.Observe(ctx, events.Event{Kind: kind.ev, Tenant: "t", Message: 7, Rcpt: 0, Reason: kind.reason})
		}
		if f.paused("t") {
			t.Fatalf("%s: 500 copies of one recipient's return paused the tenant", kind.ev)
		}
		for m := uint64(100); m < 400; m++ {
			f.g.Observe(ctx, events.Event{Kind: kind.ev, Tenant: "t", Message: m, Rcpt: 1, Reason: kind.reason})
		}
		if !f.paused("t") {
			t.Fatalf("%s: 300 distinct recipients of 2000 did not pause", kind.ev)
		}
	}
}
