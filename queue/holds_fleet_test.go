package queue

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestHoldOutboxWrittenWithTheHold: in fleet mode a hold set, a resume
// and the lifting of a message hold whose message left reach the hold
// outbox from the transaction that makes them, with the hold's fields;
// an expired hold's lifting does not (every node lifts it on its own
// clock); a single node writes none.
func TestHoldOutboxWrittenWithTheHold(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	if err := s.Suspend(ctx, "tenant", "solo", "op"); err != nil {
		t.Fatal(err)
	}
	if seq, _ := s.FleetHoldOutboxSeq(); seq != 0 {
		t.Fatalf("single node wrote %d outbox entries", seq)
	}
	if err := s.SetFleetOutbox(ctx, true); err != nil {
		t.Fatal(err)
	}
	until := clk.Now().Add(time.Hour)
	if err := s.SuspendUntil(ctx, "tenant", "Globex", "alice", "abuse report", until); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resume(ctx, "domain", "X.example"); err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, s, clk, "a@gone.example")
	if len(mustClaim(t, s)) != 1 { // in flight: then held, then delivered
		t.Fatal("nothing claimed")
	}
	if err := s.Suspend(ctx, "message", id.String(), "op"); err != nil {
		t.Fatal(err)
	}
	if err := s.SuspendUntil(ctx, "pool", "bulk", "op", "", clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, []Result{{ID: id, Index: 0, Outcome: OutcomeDelivered}}); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	if lifted, err := s.LiftExpired(ctx, clk.Now()); err != nil || len(lifted) != 2 {
		t.Fatalf("LiftExpired = %v, %v; want the pool and the message hold", lifted, err)
	}
	got, err := s.FleetHoldOutbox(100)
	if err != nil {
		t.Fatal(err)
	}
	type c struct {
		lift       bool
		kind, name string
	}
	var gotc []c
	for _, ch := range got {
		gotc = append(gotc, c{ch.Lift, ch.Hold.Kind, ch.Hold.Name})
	}
	want := []c{{false, "tenant", "globex"}, {true, "domain", "x.example"}, {false, "message", id.String()},
		{false, "pool", "bulk"}, {true, "message", id.String()}}
	if !slices.Equal(gotc, want) {
		t.Fatalf("outbox = %+v\nwant %+v", gotc, want)
	}
	if h := got[0].Hold; h.By != "alice" || h.Reason != "abuse report" || !h.Until.Equal(until) || h.Since.IsZero() {
		t.Fatalf("outbox hold = %+v", h)
	}
	if err := s.FleetHoldOutboxDone(ctx, got[2].Seq); err != nil {
		t.Fatal(err)
	}
	if rest, _ := s.FleetHoldOutbox(100); len(rest) != 2 {
		t.Fatalf("after done: %d left, want 2", len(rest))
	}
}

// TestApplyFleetHolds: holds from the fleet are stored without entering
// the outbox (no echo) and hold mail; a change of a hold with a local
// change still pending is left alone; an ended hold counts as lifted; a
// message hold is kept only where its message is; a lift releases.
func TestApplyFleetHolds(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	if err := s.SetFleetOutbox(ctx, true); err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, s, clk, "a@y.example")
	since := clk.Now().Add(-time.Minute)
	set := func(kind, name string, until time.Time) HoldChange {
		return HoldChange{Hold: Hold{Kind: kind, Name: name, By: "b-op", Since: since, Reason: "r", Until: until}}
	}
	// A local change of pool:bulk not yet pushed.
	if err := s.Suspend(ctx, "pool", "bulk", "local"); err != nil {
		t.Fatal(err)
	}
	seq, _ := s.FleetHoldOutboxSeq()
	err := s.ApplyFleetHolds(ctx, []HoldChange{
		set("tenant", "acme", time.Time{}),
		{Lift: true, Hold: Hold{Kind: "pool", Name: "bulk"}},      // pending here: ignored
		set("domain", "old.example", clk.Now().Add(-time.Second)), // ended
		set("message", "00000000000000ff", time.Time{}),           // not in this spool
		set("nope", "x", time.Time{}),                             // bad kind
	})
	if err != nil {
		t.Fatal(err)
	}
	if s2, _ := s.FleetHoldOutboxSeq(); s2 != seq {
		t.Fatalf("applying wrote %d outbox entries: they would echo", s2-seq)
	}
	var keys []string
	for _, h := range s.Holds() {
		keys = append(keys, h.Kind+":"+h.Name)
		if h.Kind == "tenant" && (h.By != "b-op" || !h.Since.Equal(since)) {
			t.Fatalf("applied hold = %+v", h)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"pool:bulk", "tenant:acme"}) {
		t.Fatalf("holds = %v", keys)
	}
	if got := claimedIDs(t, s); len(got) != 0 {
		t.Fatalf("claimed %v under the fleet's tenant hold", got)
	}
	if err := s.ApplyFleetHolds(ctx, []HoldChange{{Lift: true, Hold: Hold{Kind: "tenant", Name: "acme"}}}); err != nil {
		t.Fatal(err)
	}
	if got := claimedIDs(t, s); !slices.Equal(got, []ID{id}) {
		t.Fatalf("after the fleet's lift claimed %v, want %v", got, id)
	}
}
