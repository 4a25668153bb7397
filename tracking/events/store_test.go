package events

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// testClock is an injected, settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var t0 = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// msgID returns a spool-like message id: acceptance time in µs.
func msgID(t time.Time, n int) uint64 { return uint64(t.UnixMicro()) + uint64(n) }

func openStore(t *testing.T, opts Options) (*Store, *testClock) {
	t.Helper()
	c := &testClock{t: t0}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	opts.NoSync = true
	s, err := Open(filepath.Join(t.TempDir(), "events.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s, c
}

func flush(t *testing.T, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func record(t *testing.T, s *Store, evs ...Event) {
	t.Helper()
	for _, ev := range evs {
		if !s.Record(ev) {
			t.Fatalf("Record(%+v) refused", ev)
		}
	}
}

func stats(t *testing.T, s *Store, tenant, campaign string) Stats {
	t.Helper()
	st, err := s.Stats(tenant, campaign)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStatsAndCampaigns(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, Options{})
	m1, m2, m3 := msgID(t0, 1), msgID(t0, 2), msgID(t0, 3)
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	var evs []Event
	for r := uint32(0); r < 3; r++ {
		evs = append(evs,
			Event{Time: at(0), Kind: KindSent, Tenant: "acme", Campaign: "spring", Message: m1, Rcpt: r},
			Event{Time: at(0), Kind: KindSent, Tenant: "acme", Campaign: "summer", Message: m2, Rcpt: r},
			Event{Time: at(0), Kind: KindSent, Tenant: "acme", Message: m3, Rcpt: r}, // no campaign
			Event{Time: at(1), Kind: KindDelivered, Tenant: "acme", Message: m1, Rcpt: r},
		)
	}
	evs = append(evs,
		// m1 rcpt 0: opens twice (human), once by a scanner.
		Event{Time: at(60), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 0},
		Event{Time: at(61), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 0},
		Event{Time: at(2), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 0, Machine: true, Reason: "early"},
		// m1 rcpt 1: machine open only: not a unique open.
		Event{Time: at(2), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 1, Machine: true, Reason: "apple_mpp", Proxy: "apple"},
		// m1 rcpt 2: a Gmail proxy open is a human open.
		Event{Time: at(90), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 2, Proxy: "google"},
		// Clicks: rcpt 0 link 0 twice, link 1 once; rcpt 2 link 0 once; a scanner clicks everything.
		Event{Time: at(70), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 0, Link: 0},
		Event{Time: at(71), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 0, Link: 0},
		Event{Time: at(72), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 0, Link: 1},
		Event{Time: at(95), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 2, Link: 0},
		Event{Time: at(3), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 1, Link: 0, Machine: true},
		Event{Time: at(3), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 1, Link: 1, Machine: true},
		Event{Time: at(3), Kind: KindClick, Tenant: "acme", Message: m1, Rcpt: 1, Link: 65535, Machine: true, Reason: "honeypot"},
		// Unsubscribe twice (one-click, then the page): one unsubscribe.
		Event{Time: at(100), Kind: KindUnsubscribe, Tenant: "acme", Message: m1, Rcpt: 2},
		Event{Time: at(101), Kind: KindUnsubscribe, Tenant: "acme", Message: m1, Rcpt: 2},
		Event{Time: at(5), Kind: KindBounce, Tenant: "acme", Message: m2, Rcpt: 1},
		Event{Time: at(5), Kind: KindComplaint, Tenant: "acme", Message: m2, Rcpt: 2},
		Event{Time: at(5), Kind: KindFailed, Tenant: "acme", Message: m2, Rcpt: 0},
		Event{Time: at(5), Kind: KindDeferred, Tenant: "acme", Message: m2, Rcpt: 0},
		// m3 has no campaign: tenant totals only.
		Event{Time: at(9), Kind: KindOpen, Tenant: "acme", Message: m3, Rcpt: 0},
		// Another tenant claiming m1's id is not counted in acme's campaign.
		Event{Time: at(9), Kind: KindOpen, Tenant: "other", Message: m1, Rcpt: 0},
	)
	record(t, s, evs...)
	flush(t, s)

	spring := Stats{
		Sent: 3, Delivered: 3, Unsubscribes: 1,
		Opens: 3, UniqueOpens: 2, MachineOpens: 2,
		Clicks: 4, UniqueClicks: 2, MachineClicks: 3,
		Links: []LinkStats{{Link: 0, Clicks: 3, UniqueClicks: 2}, {Link: 1, Clicks: 1, UniqueClicks: 1}},
	}
	if got := stats(t, s, "acme", "spring"); !reflect.DeepEqual(got, spring) {
		t.Errorf("spring:\n got %+v\nwant %+v", got, spring)
	}
	summer := Stats{Sent: 3, Bounces: 1, Complaints: 1, Failed: 1, Deferred: 1}
	if got := stats(t, s, "acme", "summer"); !reflect.DeepEqual(got, summer) {
		t.Errorf("summer:\n got %+v\nwant %+v", got, summer)
	}
	total := spring
	total.Sent = 9
	total.Bounces, total.Complaints, total.Failed, total.Deferred = 1, 1, 1, 1
	total.Opens, total.UniqueOpens = 4, 3
	if got := stats(t, s, "acme", ""); !reflect.DeepEqual(got, total) {
		t.Errorf("acme:\n got %+v\nwant %+v", got, total)
	}
	if got := stats(t, s, "other", ""); got.Opens != 1 || got.UniqueOpens != 1 {
		t.Errorf("other: %+v", got)
	}
	if got := stats(t, s, "acme", "nope"); !reflect.DeepEqual(got, Stats{}) {
		t.Errorf("unknown campaign: %+v", got)
	}
	camps, err := s.Campaigns("acme")
	if err != nil || !reflect.DeepEqual(camps, []string{"spring", "summer"}) {
		t.Errorf("Campaigns = %q, %v", camps, err)
	}
	if camps, _ := s.Campaigns("other"); len(camps) != 0 {
		t.Errorf("other's campaigns = %q", camps)
	}

	// Stored events carry the campaign learnt from the sent events.
	got, err := s.ExportRecipient(context.Background(), "acme", []RecipientID{{m1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 { // sent, delivered, open, click, 2 unsubscribes
		t.Fatalf("exported %d events: %+v", len(got), got)
	}
	for _, ev := range got {
		if ev.Campaign != "spring" {
			t.Errorf("%s event has campaign %q", ev.Kind, ev.Campaign)
		}
	}
}

func TestAnonymous(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, Options{})
	m := msgID(t0, 1)
	record(t, s,
		Event{Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m},
		Event{Kind: KindOpen, Tenant: "acme", Message: m, Anonymous: true},
		Event{Kind: KindOpen, Tenant: "acme", Message: m, Anonymous: true, Machine: true},
		Event{Kind: KindClick, Tenant: "acme", Message: m, Link: 3, Anonymous: true},
		Event{Kind: KindClick, Tenant: "acme", Anonymous: true, Machine: true},
		Event{Kind: KindUnsubscribe, Tenant: "acme", Message: m, Anonymous: true},
	)
	flush(t, s)
	want := Stats{Sent: 1, Anonymous: Anonymous{Opens: 1, MachineOpens: 1, Clicks: 1, MachineClicks: 1, Unsubscribes: 1}}
	if got := stats(t, s, "acme", ""); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := stats(t, s, "acme", "c"); !reflect.DeepEqual(got, Stats{Sent: 1}) {
		t.Errorf("campaign got %+v", got)
	}
	n := 0
	if err := s.Range(context.Background(), "", time.Time{}, time.Time{}, func(Event) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d events stored, want only the sent one", n)
	}
}

func TestBatching(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	opts := Options{beforeWrite: func() { once.Do(func() { <-release }) }}
	s, _ := openStore(t, opts)
	const n = 1000
	for i := range n {
		record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: msgID(t0, i)})
	}
	close(release)
	flush(t, s)
	m := s.Metrics()
	if m.Written != n || m.Recorded != n || m.Dropped != 0 {
		t.Errorf("metrics %+v", m)
	}
	// The first event may go alone; the rest waited for it and go together.
	if m.Batches > 2 {
		t.Errorf("%d events in %d batches, want at most 2", n, m.Batches)
	}
	if st := stats(t, s, "acme", ""); st.Opens != n || st.UniqueOpens != n {
		t.Errorf("stats %+v", st)
	}
}

func TestDropWhenFull(t *testing.T) {
	t.Parallel()
	inWrite := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	opts := Options{QueueSize: 8, beforeWrite: func() {
		once.Do(func() { close(inWrite); <-release })
	}}
	s, _ := openStore(t, opts)
	ev := Event{Kind: KindClick, Tenant: "acme", Message: msgID(t0, 1)}
	record(t, s, ev)
	<-inWrite // the writer holds the first event and waits
	for range 8 {
		record(t, s, ev)
	}
	for i := range 10 {
		if s.Record(ev) {
			t.Fatalf("Record %d succeeded on a full queue", i)
		}
	}
	if m := s.Metrics(); m.Dropped != 10 || m.Queued != 8 {
		t.Errorf("metrics %+v", m)
	}
	close(release)
	flush(t, s)
	if m := s.Metrics(); m.Written != 9 || m.Recorded != 9 {
		t.Errorf("metrics %+v", m)
	}
	if st := stats(t, s, "acme", ""); st.Clicks != 9 {
		t.Errorf("clicks %d, want 9", st.Clicks)
	}
}

func TestInvalidAndClosed(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, Options{})
	if s.Record(Event{Kind: KindOpen}) || s.Record(Event{Tenant: "acme"}) {
		t.Error("Record accepted an event without tenant or kind")
	}
	if m := s.Metrics(); m.Invalid != 2 {
		t.Errorf("invalid = %d", m.Invalid)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Record(Event{Kind: KindOpen, Tenant: "acme"}) {
		t.Error("Record after Close succeeded")
	}
	if err := s.Flush(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v", err)
	}
	if err := s.Close(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
}

func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	c := &testClock{t: t0}
	s, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	for i := range n {
		record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: msgID(t0, i)})
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	got := 0
	s.Range(context.Background(), "acme", time.Time{}, time.Time{}, func(Event) bool { got++; return true })
	if got != n {
		t.Errorf("%d events after reopening, want %d", got, n)
	}
	if st := stats(t, s, "acme", ""); st.Opens != n {
		t.Errorf("opens %d", st.Opens)
	}
}

func TestCloseTimeout(t *testing.T) {
	t.Parallel()
	inWrite := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	opts := Options{beforeWrite: func() { once.Do(func() { close(inWrite); <-release }) }}
	s, _ := openStore(t, opts)
	ev := Event{Kind: KindOpen, Tenant: "acme", Message: msgID(t0, 1)}
	record(t, s, ev)
	<-inWrite
	for range 100 {
		record(t, s, ev)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	go func() { <-s.abandon; close(release) }()
	if err := s.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v", err)
	}
	if m := s.Metrics(); m.Written != 1 || m.Dropped != 100 {
		t.Errorf("metrics %+v", m)
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{Retention: 90 * 24 * time.Hour, PurgeBatch: 1, PurgeInterval: time.Hour})
	day := 24 * time.Hour
	start := t0.Add(-100 * day)
	mOld, mRecent := msgID(start, 1), msgID(t0.Add(-10*day), 1)
	// Written on three days: 100, 91 and 10 days ago.
	for _, at := range []time.Time{start, t0.Add(-91 * day), t0.Add(-10 * day)} {
		c.Set(at)
		for r := range uint32(4) {
			switch at {
			case start:
				record(t, s, Event{Kind: KindSent, Tenant: "acme", Campaign: "c", Message: mOld, Rcpt: r})
			case t0.Add(-10 * day):
				record(t, s,
					Event{Kind: KindSent, Tenant: "acme", Campaign: "c", Message: mRecent, Rcpt: r},
					Event{Kind: KindOpen, Tenant: "acme", Message: mRecent, Rcpt: r})
			default:
				record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: mOld, Rcpt: r})
			}
		}
		flush(t, s)
	}
	c.Set(t0)
	before := stats(t, s, "acme", "c")
	if before.Sent != 8 || before.Opens != 8 || before.UniqueOpens != 8 {
		t.Fatalf("stats %+v", before)
	}
	// The background purger may have run too: count with the metric.
	if _, err := s.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := s.Metrics().Purged; n != 8 {
		t.Fatalf("purged %d, want 8 (one batch per transaction)", n)
	}
	if after := stats(t, s, "acme", "c"); !reflect.DeepEqual(before, after) {
		t.Errorf("counters changed by purge:\n%+v\n%+v", before, after)
	}
	if got, _ := s.ExportRecipient(context.Background(), "acme", []RecipientID{{mOld, 0}}); len(got) != 0 {
		t.Errorf("purged recipient still exports %+v", got)
	}
	if got, _ := s.ExportRecipient(context.Background(), "acme", []RecipientID{{mRecent, 0}}); len(got) != 2 {
		t.Errorf("recent recipient exports %d events", len(got))
	}
	// The old message's campaign map and markers are gone too.
	if k := countKeys(t, s, bucketMsg); k != 1 {
		t.Errorf("%d campaign map entries left, want 1", k)
	}
	if k := countKeys(t, s, bucketUniq); k != 4 {
		t.Errorf("%d uniq markers left, want 4", k)
	}
	// Later, everything goes.
	c.Set(t0.Add(100 * day))
	if n, err := s.Purge(context.Background()); err != nil || n != 8 {
		t.Errorf("second Purge = %d, %v", n, err)
	}
	if k := countKeys(t, s, bucketUniq) + countKeys(t, s, bucketMsg) + countKeys(t, s, bucketEv); k != 0 {
		t.Errorf("%d keys left", k)
	}
	if n, _ := s.Purge(context.Background()); n != 0 {
		t.Errorf("third Purge = %d", n)
	}
}

func TestExportErase(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, Options{})
	m1, m2 := msgID(t0, 1), msgID(t0, 2)
	record(t, s,
		Event{Time: t0, Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m1, Rcpt: 0},
		Event{Time: t0, Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m1, Rcpt: 1},
		Event{Time: t0, Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m2, Rcpt: 0},
		Event{Time: t0.Add(time.Minute), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 0, IP: "203.0.113.0/24", UAClass: "browser"},
		Event{Time: t0.Add(time.Minute), Kind: KindClick, Tenant: "acme", Message: m2, Rcpt: 0, Link: 2},
		Event{Time: t0.Add(time.Minute), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 1},
	)
	flush(t, s)
	// A second batch with only the erased recipient's events.
	record(t, s, Event{Time: t0.Add(2 * time.Minute), Kind: KindOpen, Tenant: "acme", Message: m1, Rcpt: 0})
	flush(t, s)
	who := []RecipientID{{m1, 0}, {m2, 0}} // one address, two messages
	got, err := s.ExportRecipient(context.Background(), "acme", who)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{ // in the order written
		{Time: t0, Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m1, Rcpt: 0},
		{Time: t0, Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m2, Rcpt: 0},
		{Time: t0.Add(time.Minute), Kind: KindOpen, Tenant: "acme", Campaign: "c", Message: m1, Rcpt: 0, IP: "203.0.113.0/24", UAClass: "browser"},
		{Time: t0.Add(time.Minute), Kind: KindClick, Tenant: "acme", Campaign: "c", Message: m2, Rcpt: 0, Link: 2},
		{Time: t0.Add(2 * time.Minute), Kind: KindOpen, Tenant: "acme", Campaign: "c", Message: m1, Rcpt: 0},
	}
	for i := range got {
		got[i].Time = got[i].Time.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("export:\n got %+v\nwant %+v", got, want)
	}
	if got, _ := s.ExportRecipient(context.Background(), "other", who); len(got) != 0 {
		t.Errorf("another tenant exports %+v", got)
	}
	before := stats(t, s, "acme", "c")
	n, err := s.EraseRecipient(context.Background(), "acme", who)
	if err != nil || n != 5 {
		t.Fatalf("Erase = %d, %v", n, err)
	}
	if k := countKeys(t, s, bucketEv); k != 1 {
		t.Errorf("%d batches left, want 1 (one rewritten, one deleted)", k)
	}
	if got, _ := s.ExportRecipient(context.Background(), "acme", who); len(got) != 0 {
		t.Errorf("after erase: %+v", got)
	}
	if got, _ := s.ExportRecipient(context.Background(), "acme", []RecipientID{{m1, 1}}); len(got) != 2 {
		t.Errorf("other recipient lost events: %+v", got)
	}
	if after := stats(t, s, "acme", "c"); !reflect.DeepEqual(before, after) {
		t.Errorf("erase changed counters")
	}
	if k := countKeys(t, s, bucketUniq); k != 1 { // m1 rcpt 1's open
		t.Errorf("%d uniq markers left, want 1", k)
	}
}

func countKeys(t *testing.T, s *Store, name string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		return bucket(tx, name).ForEach(func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
