package queue

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"
)

// TestClaimAfterResumeInTheSameCommit: the holds Claim consults are
// published after the commit that changed them, so a claim later in the
// same group commit as a Resume still sees the lifted hold. It must not
// set the just-released recipients aside again (nothing would release
// them: the hold is gone). The stale mirror is set by hand here, as such
// a claim sees it.
func TestClaimAfterResumeInTheSameCommit(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s, err := Open(filepath.Join(t.TempDir(), "spool.db"), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Suspend(ctx, "domain", "x.example", "test"); err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, s, clk, "a@x.example")
	if got := claimedIDs(t, s); len(got) != 0 {
		t.Fatalf("claimed %v under the hold", got)
	}
	s.holds.mu.RLock()
	stale, staleStreams := maps.Clone(s.holds.m), s.holds.streams
	s.holds.mu.RUnlock()

	if n, err := s.Resume(ctx, "domain", "x.example"); err != nil || n != 1 {
		t.Fatalf("resume = %d, %v; want 1 released", n, err)
	}
	s.holds.mu.Lock() // as a claim in the Resume's batch sees it
	s.holds.m, s.holds.streams = stale, staleStreams
	s.holds.mu.Unlock()

	if got := claimedIDs(t, s); !slices.Equal(got, []ID{id}) {
		m, _ := s.Message(id)
		t.Fatalf("after resume claimed %v, want %v (recipients %+v: set aside again by a lifted hold)", got, id, m.Rcpts)
	}
}
