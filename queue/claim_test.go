package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

// enqueueN queues n one-recipient messages to rcpt(i) in durable
// batches, all created at the clock's now.
func enqueueN(t testing.TB, s *Store, clk *testClock, n int, rcpt func(i int) string) {
	t.Helper()
	for lo := 0; lo < n; lo += 1000 {
		var ms []*Message
		for i := lo; i < min(n, lo+1000); i++ {
			ms = append(ms, &Message{ID: s.NewID(), Tenant: "acme", From: "a@acme.example", Rcpts: []string{rcpt(i)},
				Created: clk.Now(), Body: []byte("Subject: x\r\n\r\nx\r\n")})
		}
		if err := s.Enqueue(context.Background(), ms...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClaimReachesOtherDomainsBehindABacklog: 20,000 recipients of one
// domain are due, and the domain has room for 10 (a site taking one
// connection); a message to another domain is queued after them. One
// claim takes the busy domain's 10 and the other domain's message, found
// by the per-destination walk far beyond the due-order skip window, and
// writes nothing of the rest of the backlog. In due order alone (a
// skip window of 1,000) the other message waited for the backlog to drain.
func TestClaimReachesOtherDomainsBehindABacklog(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	const backlog = 20000
	enqueueN(t, s, clk, backlog, func(i int) string { return fmt.Sprintf("r%d@busy.example", i) })
	fresh := enqueue(t, s, clk, "x@fresh.example")
	room := func(d string) int {
		if d == "busy.example" {
			return 10
		}
		return 100
	}
	var st ClaimStats
	works, err := s.ClaimWith(context.Background(), ClaimOptions{Limit: 5000, Room: room, Stats: &st})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range works {
		got = append(got, w.Domain)
	}
	if len(works) != 11 || !slices.Contains(got, "fresh.example") || works[len(works)-1].ID != fresh {
		t.Fatalf("claimed %d works to %v; want busy.example's 10 and %s at fresh.example", len(works), got, fresh)
	}
	if st.Claimed != 11 || st.ByDest != 1 || st.Skipped != defaultMaxSkip {
		t.Fatalf("stats %+v; want 11 claimed (1 per destination), %d skipped", st, defaultMaxSkip)
	}
	if q, inf, _, _, _ := s.Counts(); q != backlog-10 || inf != 11 {
		t.Fatalf("spool: %d queued, %d in flight; want %d, 11", q, inf, backlog-10)
	}
	checkDestMirror(t, s)
}

// TestClaimWalksDestinationsInTurn: behind a blocked backlog, five other
// domains have due mail; with MaxDests 2, each claim takes two of them
// and the next goes on where it stopped, wrapping round, so every
// destination is served once before any twice.
func TestClaimWalksDestinationsInTurn(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	enqueueN(t, s, clk, 50, func(i int) string { return fmt.Sprintf("r%d@busy.example", i) })
	enqueueN(t, s, clk, 10, func(i int) string { return fmt.Sprintf("r%d@d%d.example", i, i%5) })
	room := func(d string) int {
		if d == "busy.example" {
			return 0
		}
		return 1
	}
	seen := map[string]int{}
	for round := range 5 {
		works, err := s.ClaimWith(context.Background(), ClaimOptions{Limit: 100, Room: room, MaxSkip: 10, MaxDests: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range works {
			seen[w.Domain]++
		}
		lo, hi := 1<<30, 0
		for d := range 5 {
			n := seen[fmt.Sprintf("d%d.example", d)]
			lo, hi = min(lo, n), max(hi, n)
		}
		if hi-lo > 1 || (round >= 2 && lo == 0) {
			t.Fatalf("after claim %d: served %v; want every destination in turn", round+1, seen)
		}
	}
	if seen["busy.example"] != 0 {
		t.Fatalf("served %v; the busy domain had no room", seen)
	}
	checkDestMirror(t, s)
}

// TestDestIndexFollowsEveryScheduleWrite: after enqueues, claims, every
// kind of completion, holds, a resume, a retry and a delete, the
// per-destination schedule holds exactly the schedule index's entries.
func TestDestIndexFollowsEveryScheduleWrite(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	enqueueN(t, s, clk, 30, func(i int) string { return fmt.Sprintf("r%d@d%d.example", i, i%3) })
	enqueueClass(t, s, clk, Transactional, PriorityHigh, "t@d0.example", "u@d1.example")
	if err := s.Suspend(ctx, "domain", "d2.example", "test"); err != nil {
		t.Fatal(err)
	}
	works, err := s.ClaimWith(ctx, ClaimOptions{Limit: 100, Room: func(string) int { return 4 }})
	if err != nil {
		t.Fatal(err)
	}
	var res []Result
	for i, w := range works {
		for _, r := range w.Rcpts {
			res = append(res, Result{ID: w.ID, Index: r.Index, Outcome: Outcome(i%3 + 1), Code: 250})
		}
	}
	if err := s.Complete(ctx, res); err != nil {
		t.Fatal(err)
	}
	checkDestMirror(t, s)
	if _, err := s.Resume(ctx, "domain", "d2.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetryNow(ctx, Filter{All: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, Filter{Domain: "d1.example"}); err != nil {
		t.Fatal(err)
	}
	checkDestMirror(t, s)
	clk.Add(time.Hour)
	if _, err := s.ClaimWith(ctx, ClaimOptions{Limit: 100}); err != nil {
		t.Fatal(err)
	}
	checkDestMirror(t, s)
}

// TestOpenBuildsTheDestIndexOfAnOldSpool: a spool written before the
// per-destination schedule (its bucket absent) gets it at Open, so the
// walk reaches mail queued before the upgrade.
func TestOpenBuildsTheDestIndexOfAnOldSpool(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	enqueueN(t, s, clk, 3000, func(i int) string { return fmt.Sprintf("r%d@busy.example", i) })
	fresh := enqueue(t, s, clk, "x@fresh.example")
	enqueueClass(t, s, clk, Transactional, PriorityHigh, "t@fresh.example")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketSchedDest) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, clk, Options{})
	checkDestMirror(t, s)
	var st ClaimStats
	works, err := s.ClaimWith(context.Background(), ClaimOptions{Limit: 100, Stats: &st,
		RoomClass: func(d string, c Class) int {
			if d == "busy.example" {
				return 0
			}
			return 10
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 2 || works[1].ID != fresh || st.ByDest != 1 {
		t.Fatalf("claimed %+v (stats %+v); want the transactional one, then %s by the walk", works, st, fresh)
	}
}

// checkDestMirror fails unless the per-destination schedule holds exactly
// the entries of the schedule index (each under its recipient's domain).
func checkDestMirror(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		sched, rb := scheduleOf(tx), tx.Bucket(bucketRcpt)
		want := map[string]bool{}
		add := func(c Class, k []byte) {
			due, id, idx, ok := parseSchedKey(k)
			if !ok {
				t.Errorf("bad schedule key %x", k)
				return
			}
			r, err := decodeRcpt(rb.Get(rcptKey(id, idx)))
			if err != nil {
				t.Errorf("schedule entry %s/%d: %v", id, idx, err)
				return
			}
			want[string(destKey(c, Domain(r.Addr), due, id, idx))] = true
		}
		_ = sched.main.ForEach(func(k, _ []byte) error { add(ClassMarketing, k); return nil })
		_ = sched.prio.ForEach(func(k, _ []byte) error { add(Class(k[0]), k[1:]); return nil })
		n := 0
		_ = sched.dest.ForEach(func(k, _ []byte) error {
			n++
			if !want[string(k)] {
				e, _ := parseDestKey(k)
				t.Errorf("per-destination entry %+v has no schedule entry", e)
			}
			return nil
		})
		if n != len(want) {
			t.Errorf("per-destination schedule has %d entries, the schedule %d", n, len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
