package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestClaimLeavesFullDomainsUntouched: due recipients of a domain without
// room are skipped, not rewritten: their due time is what it was, and the
// next claim with room takes them in their old order. Mail of other
// domains behind them is claimed in the same call.
func TestClaimLeavesFullDomainsUntouched(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	var full []ID
	for i := range 5 {
		full = append(full, enqueue(t, s, clk, fmt.Sprintf("r%d@full.example", i)))
	}
	due := clk.Now()
	clk.Add(time.Second)
	other := enqueue(t, s, clk, "x@other.example")
	room := map[string]int{"other.example": 10}
	var st ClaimStats
	works, err := s.ClaimWith(ctx, ClaimOptions{Limit: 100, Room: func(d string) int { return room[d] }, Stats: &st})
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 1 || works[0].ID != other {
		t.Fatalf("claimed %+v, want only %s", works, other)
	}
	if st != (ClaimStats{Claimed: 1, Skipped: 5}) {
		t.Fatalf("stats %+v, want 1 claimed, 5 skipped, none postponed", st)
	}
	for _, id := range full {
		m, err := s.Message(id)
		if err != nil {
			t.Fatal(err)
		}
		if r := m.Rcpts[0]; r.State != "queued" || !r.Next.Equal(due) || r.Attempts != 0 {
			t.Fatalf("%s: %s next %v attempts %d; want queued, due %v, untouched", id, r.State, r.Next, r.Attempts, due)
		}
	}
	room["full.example"] = 2
	works, err = s.ClaimWith(ctx, ClaimOptions{Limit: 100, Room: func(d string) int { return room[d] }, Stats: &st})
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 2 || works[0].ID != full[0] || works[1].ID != full[1] {
		t.Fatalf("claimed %+v, want %s and %s in due order", works, full[0], full[1])
	}
	if st != (ClaimStats{Claimed: 2, Skipped: 3}) {
		t.Fatalf("stats %+v, want 2 claimed, 3 skipped", st)
	}
}

// TestClaimPostponesOnlyABlockedWindow: the head-of-line fallback. When a
// claim finds nothing it may take in its whole skip window, the first
// MaxPostpone blocked recipients move Postpone later, so the mail behind
// them is reached by the next claims; a window with anything claimable
// rewrites nothing.
func TestClaimPostponesOnlyABlockedWindow(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	for i := range 6 {
		enqueue(t, s, clk, fmt.Sprintf("r%d@stalled.example", i))
	}
	clk.Add(time.Second)
	behind := enqueue(t, s, clk, "x@other.example")
	room := func(d string) int {
		if d == "other.example" {
			return 10
		}
		return 0
	}
	o := ClaimOptions{Limit: 1, Room: room, MaxSkip: 4, MaxPostpone: 2, Postpone: time.Minute}
	var st ClaimStats
	o.Stats = &st
	// Six stalled recipients fill the window (Limit + MaxSkip = 5 keys):
	// nothing claimable, so the first two move a minute later.
	works, err := s.ClaimWith(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 0 || st != (ClaimStats{Skipped: 5, Postponed: 2}) {
		t.Fatalf("first claim: %d works, stats %+v; want none claimed, 5 skipped, 2 postponed", len(works), st)
	}
	// Now the window reaches the other domain's mail: it is claimed, and
	// the stalled recipients in the window are left as they are.
	works, err = s.ClaimWith(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 1 || works[0].ID != behind || st != (ClaimStats{Claimed: 1, Skipped: 4}) {
		t.Fatalf("second claim: %+v, stats %+v; want %s, 4 skipped, nothing postponed", works, st, behind)
	}
}
