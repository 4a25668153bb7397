package queue

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestSuspendResumeInOrderAcrossRestart(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Suspend(ctx, "domain", "Held.example", "test"); err != nil {
		t.Fatal(err)
	}
	a := enqueue(t, s, clk, "a@held.example", "b@free.example")
	clk.Add(time.Millisecond)
	b := enqueue(t, s, clk, "c@held.example")
	works, _ := s.Claim(ctx, 100, 100)
	if len(works) != 1 || works[0].Domain != "free.example" {
		t.Fatalf("claimed %+v, want only free.example", works)
	}
	if g, _ := s.Summary("domain"); len(g) != 2 || g[0].Key != "held.example" || g[0].Held != 2 {
		t.Fatalf("summary = %+v", g)
	}
	s.Close()

	clk.Add(time.Hour)
	s = openStore(t, path, clk, Options{})
	if h := s.Holds(); len(h) != 1 || h[0].Name != "held.example" || h[0].By != "test" {
		t.Fatalf("holds after restart = %+v", h)
	}
	for _, w := range mustClaim(t, s) { // the free one, in flight at the "crash", comes back
		if w.Domain == "held.example" {
			t.Fatalf("held mail claimed after restart: %+v", w)
		}
	}
	n, err := s.Resume(ctx, "domain", "held.example")
	if err != nil || n != 2 {
		t.Fatalf("resume = %d, %v", n, err)
	}
	works, _ = s.Claim(ctx, 100, 1)
	if len(works) != 2 || works[0].ID != a || works[1].ID != b {
		t.Fatalf("after resume: %+v, want %v then %v (the old order)", works, a, b)
	}
}

func TestRetryBounceDelete(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	ctx := context.Background()
	id := enqueue(t, s, clk, "a@x.example", "b@y.example")
	works, _ := s.Claim(ctx, 100, 100)
	var res []Result
	for _, w := range works {
		res = append(res, Result{ID: w.ID, Index: w.Rcpts[0].Index, Outcome: OutcomeDeferred, Code: 451})
	}
	s.Complete(ctx, res)
	if w, _ := s.Claim(ctx, 100, 100); len(w) != 0 {
		t.Fatal("deferred mail due before its retry time")
	}
	if n, err := s.RetryNow(ctx, Filter{Domain: "x.example"}); err != nil || n != 1 {
		t.Fatalf("retry = %d, %v", n, err)
	}
	if w, _ := s.Claim(ctx, 100, 100); len(w) != 1 || w[0].Domain != "x.example" {
		t.Fatalf("after retry now: %+v", w)
	}
	if _, err := s.Bounce(ctx, Filter{}, "x"); err == nil {
		t.Fatal("bounce without a filter accepted")
	}
	if _, err := s.Bounce(ctx, Filter{All: true}, "x"); err == nil {
		t.Fatal("bounce of everything accepted: only retry takes All")
	}
	if _, err := s.Delete(ctx, Filter{All: true}); err == nil {
		t.Fatal("delete of everything accepted: only retry takes All")
	}
	// y.example is still deferred: retry --all makes it due too.
	if n, err := s.RetryNow(ctx, Filter{All: true}); err != nil || n != 1 {
		t.Fatalf("retry all = %d, %v; want the one still deferred", n, err)
	}
	if w, _ := s.Claim(ctx, 100, 100); len(w) != 1 || w[0].Domain != "y.example" {
		t.Fatalf("after retry all: %+v", w)
	}
	s.Complete(ctx, []Result{{ID: id, Index: 1, Outcome: OutcomeDeferred, Code: 451}})
	aff, err := s.Bounce(ctx, Filter{ID: id, Domain: "y.example"}, "admin: bounced")
	if err != nil || len(aff) != 1 || aff[0].Addr != "b@y.example" {
		t.Fatalf("bounce = %+v, %v", aff, err)
	}
	info, err := s.Message(id)
	if err != nil || info.Rcpts[1].State != "failed" || info.Rcpts[1].LastReply != "admin: bounced" {
		t.Fatalf("message = %+v, %v", info, err)
	}
	id2 := enqueue(t, s, clk, "c@z.example")
	if aff, err := s.Delete(ctx, Filter{ID: id2}); err != nil || len(aff) != 1 {
		t.Fatalf("delete = %+v, %v", aff, err)
	}
	if _, err := s.Message(id2); err == nil {
		t.Fatal("deleted message still there")
	}
	list, _ := s.ListMessages(Filter{Tenant: "acme"}, 0, 10)
	if len(list) != 1 || list[0].ID != id.String() {
		t.Fatalf("list = %+v", list)
	}
	// The counts bounce and delete changed are the ones persisted: a
	// restart reads the same (the recipient in flight comes back queued).
	b := s.Stats()
	s.Close()
	s = openStore(t, path, clk, Options{})
	a := s.Stats()
	if a.Queued != b.Queued+b.InFlight || a.InFlight != 0 || a.Deferred != b.Deferred || a.Failed != b.Failed || a.Messages != b.Messages {
		t.Fatalf("counts after a restart %+v, before %+v", a, b)
	}
}

func mustClaim(t *testing.T, s *Store) []Work {
	t.Helper()
	w, err := s.Claim(context.Background(), 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// OnDue is called after each write that can make mail due sooner: an
// enqueue, a resume, a retry-now; not after others (a claim, a suspend).
func TestOnDue(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var calls atomic.Int32
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{OnDue: func() { calls.Add(1) }})
	ctx := context.Background()
	step := func(what string, want int32, fn func() error) {
		t.Helper()
		before := calls.Load()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := calls.Load() - before; got != want {
			t.Fatalf("%s: OnDue called %d times, want %d", what, got, want)
		}
	}
	step("enqueue", 1, func() error { enqueue(t, s, clk, "a@x.example"); return nil })
	step("suspend", 0, func() error { return s.Suspend(ctx, "domain", "x.example", "test") })
	step("claim", 0, func() error { _, err := s.Claim(ctx, 10, 10); return err })
	step("resume", 1, func() error { _, err := s.Resume(ctx, "domain", "x.example"); return err })
	step("retry now", 1, func() error { _, err := s.RetryNow(ctx, Filter{Domain: "x.example"}); return err })
}
