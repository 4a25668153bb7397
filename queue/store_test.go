package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is an injected clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *testClock { return &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

func openStore(t testing.TB, path string, clk *testClock, opts Options) *Store {
	t.Helper()
	opts.Now = clk.Now
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		checkSuppFilter(t, s)
		s.Close()
	})
	return s
}

func enqueue(t testing.TB, s *Store, clk *testClock, rcpts ...string) ID {
	t.Helper()
	m := &Message{ID: s.NewID(), Tenant: "acme", From: "news@acme.example", Rcpts: rcpts,
		Created: clk.Now(), Body: []byte("Subject: hi\r\n\r\nbody\r\n")}
	if err := s.Enqueue(context.Background(), m); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return m.ID
}

func TestEnqueueClaimComplete(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	id := enqueue(t, s, clk, "a@one.example", "b@two.example", "c@one.example")

	works, err := s.Claim(ctx, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 2 {
		t.Fatalf("works = %d, want 2 (one per domain): %+v", len(works), works)
	}
	byDomain := map[string]Work{}
	for _, w := range works {
		byDomain[w.Domain] = w
	}
	if got := len(byDomain["one.example"].Rcpts); got != 2 {
		t.Fatalf("one.example rcpts = %d, want 2", got)
	}
	if w := byDomain["two.example"]; w.ID != id || w.From != "news@acme.example" || w.Tenant != "acme" || w.Rcpts[0].Attempt != 1 {
		t.Fatalf("bad work %+v", w)
	}
	if q, f, d, _, _ := s.Counts(); q != 0 || f != 3 || d != 0 {
		t.Fatalf("counts queued=%d inflight=%d deferred=%d", q, f, d)
	}
	// Claimed work is booked in the future: nothing more is due now.
	if again, _ := s.Claim(ctx, 100, 100); len(again) != 0 {
		t.Fatalf("claimed twice: %+v", again)
	}
	if due, ok := s.NextDue(); !ok || !due.Equal(clk.Now().Add(DefaultRetry.First)) {
		t.Fatalf("next due = %v %v, want booked retry at +5m", due, ok)
	}

	body, err := s.Body(id)
	if err != nil || string(body) != "Subject: hi\r\n\r\nbody\r\n" {
		t.Fatalf("body = %q, %v", body, err)
	}

	err = s.Complete(ctx, []Result{
		{ID: id, Index: 0, Outcome: OutcomeDelivered, Code: 250},
		{ID: id, Index: 1, Outcome: OutcomeFailed, Code: 550, Reply: "550 5.1.1 no such user"},
		{ID: id, Index: 2, Outcome: OutcomeDeferred, Code: 451, Reply: "451 4.3.0 later"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if q, f, d, dl, fl := s.Counts(); q != 0 || f != 0 || d != 1 || dl != 1 || fl != 1 {
		t.Fatalf("counts after complete: q=%d f=%d d=%d delivered=%d failed=%d", q, f, d, dl, fl)
	}
	clk.Add(DefaultRetry.First)
	works, _ = s.Claim(ctx, 100, 100)
	if len(works) != 1 || works[0].Rcpts[0].Index != 2 || works[0].Rcpts[0].Attempt != 2 {
		t.Fatalf("retry claim = %+v", works)
	}
	if err := s.Complete(ctx, []Result{{ID: id, Index: 2, Outcome: OutcomeDelivered}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Body(id); err == nil {
		t.Fatal("body still stored after every recipient is final")
	}
	if st := s.Stats(); st.Messages != 0 || st.Queued+st.InFlight+st.Deferred != 0 {
		t.Fatalf("stats after done: %+v", st)
	}
	// A replayed completion is ignored.
	if err := s.Complete(ctx, []Result{{ID: id, Index: 2, Outcome: OutcomeFailed}}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, dl, fl := s.Counts(); dl != 2 || fl != 1 {
		t.Fatalf("replayed completion changed counts: delivered=%d failed=%d", dl, fl)
	}
}

func TestClaimGroupsAndLimits(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	var rcpts []string
	for i := 0; i < 7; i++ {
		rcpts = append(rcpts, fmt.Sprintf("u%d@big.example", i))
	}
	enqueue(t, s, clk, rcpts...)
	works, err := s.Claim(context.Background(), 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 2 || len(works[0].Rcpts) != 3 || len(works[1].Rcpts) != 2 {
		t.Fatalf("want 5 recipients split 3+2, got %+v", works)
	}
	works, _ = s.Claim(context.Background(), 5, 3)
	if n := len(works); n != 1 || len(works[0].Rcpts) != 2 {
		t.Fatalf("second claim = %+v", works)
	}
}

func TestRestartRecoversInFlight(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, s, clk, "a@x.example", "b@x.example")
	if w, _ := s.Claim(context.Background(), 10, 10); len(w) != 1 {
		t.Fatalf("claim: %+v", w)
	}
	// A crash: the attempt never completes.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	s2 := openStore(t, path, clk, Options{})
	if q, f, _, _, _ := s2.Counts(); q != 2 || f != 0 {
		t.Fatalf("after restart queued=%d inflight=%d, want 2/0", q, f)
	}
	works, err := s2.Claim(context.Background(), 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(works) != 1 || works[0].ID != id || len(works[0].Rcpts) != 2 || works[0].Rcpts[0].Attempt != 2 {
		t.Fatalf("in-flight recipients not due again after restart: %+v", works)
	}
	if next := s2.NewID(); next <= id {
		t.Fatalf("id %v not above earlier id %v after restart", next, id)
	}
}

func TestGroupCommit(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var commits, writes atomic.Int64
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{
		Observe: func(_ time.Duration, n int, _ error) { commits.Add(1); writes.Add(int64(n)) },
	})
	const n = 200
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enqueue(t, s, clk, "a@x.example")
		}()
	}
	wg.Wait()
	if writes.Load() != n {
		t.Fatalf("writes = %d, want %d", writes.Load(), n)
	}
	if c := commits.Load(); c >= n {
		t.Fatalf("%d commits for %d concurrent writes: no group commit", c, n)
	}
	t.Logf("%d writes in %d commits", n, commits.Load())
	if st := s.Stats(); st.Messages != n || st.Queued != n {
		t.Fatalf("stats = %+v", st)
	}
}

func TestFailedWriteDoesNotFailNeighbours(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	bad := &Message{ID: s.NewID(), Rcpts: nil, Created: clk.Now()}
	if err := s.Enqueue(context.Background(), bad); err == nil {
		t.Fatal("enqueue with no recipients succeeded")
	}
	enqueue(t, s, clk, "ok@x.example")
	if _, err := s.Claim(context.Background(), 10, 10); err != nil {
		t.Fatal(err)
	}
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{First: 5 * time.Minute, Max: time.Hour, MaxAge: 5 * 24 * time.Hour}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	created := time.Unix(0, 0)
	if p.Expired(created, created.Add(119*time.Hour)) || !p.Expired(created, created.Add(120*time.Hour)) {
		t.Error("expiry at 5 days wrong")
	}
}

func TestClosedStore(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s, err := Open(filepath.Join(t.TempDir(), "spool.db"), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	m := &Message{ID: s.NewID(), Rcpts: []string{"a@b"}, Created: clk.Now()}
	if err := s.Enqueue(context.Background(), m); err == nil {
		t.Fatal("enqueue after close succeeded")
	}
}

func TestIDRoundTrip(t *testing.T) {
	t.Parallel()
	id := ID(0x18c2f3a4b5c)
	got, err := ParseID(id.String())
	if err != nil || got != id || len(id.String()) != 16 {
		t.Fatalf("round trip %v → %q → %v %v", id, id.String(), got, err)
	}
	if _, err := ParseID("zz"); err == nil {
		t.Fatal("bad id parsed")
	}
}

// TestIDsFollowTheClock: ids stay close to the acceptance time however
// long the process runs, since the directory and the event store purge by
// id as a time.
func TestIDsFollowTheClock(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	a := s.NewID()
	clk.Add(40 * 24 * time.Hour)
	b := s.NewID()
	if got := time.UnixMicro(int64(b)); !got.Equal(clk.Now()) {
		t.Fatalf("id after 40 days = %v, want the clock %v", got, clk.Now())
	}
	if c := s.NewID(); c <= b || b <= a {
		t.Fatalf("ids not increasing: %v %v %v", a, b, c)
	}
}
