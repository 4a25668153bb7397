package reputation

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
)

// testClock is one injected clock per test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder keeps the guard's events.
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Record(ev events.Event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return true
}

func (r *recorder) kinds(tenant string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.evs {
		if ev.Tenant == tenant {
			out = append(out, string(ev.Kind)+":"+ev.Reason)
		}
	}
	return out
}

// domains is a Receiver: recipient i of every message goes to
// domains[msg % len].
func domains(ds ...string) Receiver {
	return func(msg uint64, _ uint32) (string, string, bool) { return ds[msg%uint64(len(ds))], "", true }
}

type fixture struct {
	clk   *testClock
	spool *queue.Store
	rec   *recorder
	g     *Guard
}

func newFixture(t *testing.T, cfg Config, recv Receiver) *fixture {
	t.Helper()
	clk := &testClock{t: time.Now().UTC().Truncate(time.Hour)} // any day: every component reads clk
	spool, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spool.Close() })
	f := &fixture{clk: clk, spool: spool, rec: &recorder{}}
	f.g, err = New(cfg, Deps{Holds: spool, Receiver: recv, Events: f.rec, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.g.Load(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) paused(tenant string) bool { return f.g.Status(tenant).Paused != nil }

// send feeds n messages of tenant (ids from first): each delivered, and
// every complaintEvery-th complained about (0: none), every hardEvery-th
// failed as a dead address and every blockEvery-th refused by policy
// instead of delivered. It returns the message at which the tenant was
// first paused, or 0.
func (f *fixture) send(tenant, camp string, first, n uint64, complaintEvery, hardEvery, blockEvery uint64) uint64 {
	ctx := context.Background()
	var pausedAt uint64
	for m := first; m < first+n; m++ {
		f.clk.Add(time.Second)
		ev := events.Event{Kind: events.KindDelivered, Tenant: tenant, Campaign: camp, Message: m}
		switch {
		case hardEvery > 0 && m%hardEvery == 0:
			ev.Kind, ev.Class, ev.Code, ev.Enhanced = events.KindFailed, "hard_invalid_recipient", 550, "5.1.1"
		case blockEvery > 0 && m%blockEvery == 0:
			ev.Kind, ev.Class, ev.Code, ev.Enhanced = events.KindFailed, "policy_blocked", 550, "5.7.1"
		}
		f.g.Observe(ctx, ev)
		if complaintEvery > 0 && m%complaintEvery == 0 {
			f.g.Observe(ctx, events.Event{Kind: events.KindComplaint, Tenant: tenant, Campaign: camp, Message: m - 1, Reason: "complaint"})
		}
		if pausedAt == 0 && f.paused(tenant) {
			pausedAt = m - first + 1
		}
	}
	return pausedAt
}

// TestComplaintsPause: complaints on 0.5 % of 20,000 messages (ARF
// loops covering two of three receivers) pause the tenant's marketing
// stream long before the 20,000 are out, with a "paused" event naming
// the rate and a hold whose reason says why; its transactional mail is
// still claimed, its marketing is not, until Resume. A tenant at 0.1 %
// is never paused (only warned).
func TestComplaintsPause(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("yahoo.com", "hotmail.co.uk", "gmail.com"))
	at := f.send("bad", "spring", 1, 20000, 200, 0, 0)
	if at == 0 || at >= 20000 {
		t.Fatalf("paused at message %d of 20000, want before the end", at)
	}
	t.Logf("paused after %d of 20000 messages", at)
	if at > 2000 {
		t.Errorf("paused only after %d messages; at 0.75%% of FBL deliveries the 0.3%% limit is crossed once 1000 are counted", at)
	}
	if got := f.send("good", "", 100000, 20000, 1000, 0, 0); got != 0 {
		t.Fatalf("tenant at 0.1%% complaints paused after %d messages", got)
	}
	if k := f.rec.kinds("bad"); !slices.Contains(k, "paused:complaint_rate") {
		t.Fatalf("bad's events = %v, want paused:complaint_rate", k)
	}
	if k := f.rec.kinds("good"); slices.Contains(k, "paused:complaint_rate") {
		t.Fatalf("good's events = %v", k)
	}
	st := f.g.Status("bad")
	if st.Paused == nil || st.Paused.By != "reputation" || st.Paused.Reason == "" {
		t.Fatalf("status = %+v, want a pause by reputation with a reason", st.Paused)
	}
	t.Logf("hold reason: %s", st.Paused.Reason)

	ctx := context.Background()
	enqueue := func(st queue.Stream) queue.ID {
		m := &queue.Message{ID: f.spool.NewID(), Tenant: "bad", From: "a@bad.example", Rcpts: []string{"r@yahoo.com"},
			Stream: st, Created: f.clk.Now(), Body: []byte("Subject: x\r\n\r\nx\r\n")}
		if err := f.spool.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	mk, tr := enqueue(queue.Marketing), enqueue(queue.Transactional)
	if got := claimed(t, f.spool); !slices.Equal(got, []queue.ID{tr}) {
		t.Fatalf("claimed %v while paused, want the transactional %v only", got, tr)
	}
	n, err := f.g.Resume(ctx, "bad", "ctl:ann")
	if err != nil || n != 1 {
		t.Fatalf("resume = %d, %v; want 1 released", n, err)
	}
	if got := claimed(t, f.spool); !slices.Equal(got, []queue.ID{mk}) {
		t.Fatalf("claimed %v after resume, want the marketing %v", got, mk)
	}
	if st := f.g.Status("bad"); st.Paused != nil || len(st.Windows) != 0 {
		t.Fatalf("status after resume = %+v, want no pause and fresh windows", st)
	}
	if k := f.rec.kinds("bad"); !slices.Contains(k, "resumed:operator") {
		t.Fatalf("bad's events = %v, want resumed", k)
	}
}

func claimed(t *testing.T, s *queue.Store) []queue.ID {
	t.Helper()
	ws, err := s.Claim(context.Background(), 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []queue.ID
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	return ids
}

// TestHardBounces: dead addresses at 6 % pause; policy refusals at 20 %
// with dead addresses at 3 % do not (one blocklisting of a shared address
// must not pause a tenant); complaints from receivers without a loop
// count on neither side, so mail only to gmail.com cannot be paused for
// complaints; ten messages cannot trip anything.
func TestHardBounces(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("gmail.com"))
	if at := f.send("dead", "", 1, 5000, 0, 17, 0); at == 0 {
		t.Fatal("6% hard bounces did not pause")
	}
	if k := f.rec.kinds("dead"); !slices.Contains(k, "paused:hard_bounce_rate") {
		t.Fatalf("events = %v", k)
	}
	if at := f.send("blocked", "", 100000, 5000, 0, 33, 5); at != 0 {
		t.Fatalf("policy blocks paused the tenant at %d", at)
	}
	if k := f.rec.kinds("blocked"); !slices.Contains(k, "reputation_warning:block_rate") {
		t.Fatalf("events = %v, want a block-rate warning", k)
	}
	if at := f.send("nofbl", "", 200000, 5000, 50, 0, 0); at != 0 {
		t.Fatalf("complaints with no loop-covered deliveries paused at %d", at)
	}
	if at := f.send("tiny", "", 300000, 10, 2, 2, 0); at != 0 {
		t.Fatalf("ten messages paused the tenant at %d", at)
	}
}

// TestTenantThresholds: a tenant's own thresholds replace the defaults.
func TestTenantThresholds(t *testing.T) {
	t.Parallel()
	strict := DefaultThresholds()
	strict.ComplaintPause, strict.MinVolume = 0.0005, 100
	f := newFixture(t, Config{Tenants: map[string]Thresholds{"Strict": strict}}, domains("yahoo.com"))
	if at := f.send("strict", "", 1, 5000, 1000, 0, 0); at == 0 {
		t.Fatal("0.1% complaints did not pause a tenant whose limit is 0.05%")
	}
	if at := f.send("lax", "", 100000, 5000, 1000, 0, 0); at != 0 {
		t.Fatal("default tenant paused at 0.1%")
	}
}

// TestTimeWindowForgets: counts older than the time window leave it, and
// the count window holds the last WindowMessages.
func TestTimeWindowForgets(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{WindowMessages: 1000}, domains("yahoo.com"))
	f.send("t", "", 1, 3000, 0, 0, 0)
	w := f.g.Status("t").Windows
	if w[0].Finished < 950 || w[0].Finished > 1000 || w[1].Finished != 3000 {
		t.Fatalf("windows = %+v, want ~1000 by count and 3000 by time", w[:2])
	}
	f.clk.Add(25 * time.Hour)
	if w := f.g.Status("t").Windows; w[1].Finished != 0 {
		t.Fatalf("after 25 h the time window holds %d", w[1].Finished)
	}
}

// TestFBLMatch: the loop list by domain, subdomain, label wildcard and
// shaping site.
func TestFBLMatch(t *testing.T) {
	t.Parallel()
	m := newFBLMatcher(append([]string{"site:MSFT", "Example.COM."}, DefaultFBLDomains...))
	for _, tc := range []struct {
		domain, site string
		want         bool
	}{
		{"yahoo.com", "", true}, {"yahoo.co.uk", "", true}, {"aol.com", "", true}, {"hotmail.fr", "", true},
		{"comcast.net", "", true}, {"mail.example.com", "", true}, {"example.com", "", true},
		{"gmail.com", "", false}, {"notyahoo.com", "", false}, {"yahoo", "", false}, {"", "", false},
		{"corp.example.net", "msft", true}, {"corp.example.net", "google", false},
	} {
		if got := m.covers(tc.domain, tc.site); got != tc.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tc.domain, tc.site, got, tc.want)
		}
	}
}

// TestSavedWindows: windows saved in the event file come back in a new
// guard (a restart), and a tenant's pause is read from the spool.
func TestSavedWindows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("yahoo.com"))
	ev, err := events.Open(filepath.Join(t.TempDir(), "events.db"), events.Options{Now: f.clk.Now, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close(context.Background()) })
	f.g.d.Saver = ev
	f.send("acme", "c1", 1, 3000, 100, 0, 0)
	before := f.g.Status("acme")
	if err := f.g.Save(); err != nil {
		t.Fatal(err)
	}
	g2, err := New(Config{}, Deps{Holds: f.spool, Receiver: domains("yahoo.com"), Saver: ev, Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Load(); err != nil {
		t.Fatal(err)
	}
	after := g2.Status("acme")
	if !slices.Equal(before.Windows, after.Windows) || after.Paused == nil || len(after.Windows) != 4 {
		t.Fatalf("after restart %+v\nbefore %+v", after, before)
	}
	if g2.Paused() != 1 {
		t.Fatalf("paused tenants after restart = %d", g2.Paused())
	}
}

// Complaints about mail to receivers that run no feedback loop (only the
// recipient can have written them) never pause a tenant, however many:
// they are not in the rate's denominator either.
func TestComplaintsFromReceiversWithoutLoopDoNotCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, domains("gmail.com", "example.org"))
	if at := f.send("t", "", 1, 3000, 5, 0, 0); at != 0 {
		t.Fatalf("paused after %d messages by complaints no feedback loop sends", at)
	}
	if st := f.g.Status("t"); len(st.Windows) > 0 && st.Windows[0].Complaints != 0 {
		t.Fatalf("complaints counted: %+v", st.Windows[0])
	}
}

// A complaint whose receiver is no longer known (its directory entry
// purged) still counts, as before the loop-receiver rule.
func TestComplaintWithUnknownReceiverCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{}, func(msg uint64, _ uint32) (string, string, bool) { return "", "", msg < 1000 })
	f.g.Observe(context.Background(), events.Event{Kind: events.KindComplaint, Tenant: "t", Message: 5000, Reason: "complaint"})
	if w := f.g.Status("t").Windows; len(w) == 0 || w[0].Complaints != 1 {
		t.Fatalf("windows %+v, want one complaint counted", w)
	}
}
