package events

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/queue"
)

// openSpool opens a real spool on the test's clock.
func openSpool(t *testing.T, c *testClock, opts queue.Options) *queue.Store {
	t.Helper()
	opts.Now = c.Now
	q, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// spoolTraffic enqueues n messages of two recipients (campaign "c1"),
// claims them and completes recipient 0 as delivered, recipient 1 as
// failed.
func spoolTraffic(t *testing.T, q *queue.Store, c *testClock, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		m := &queue.Message{ID: q.NewID(), Tenant: "acme", From: "n@acme.example",
			Rcpts:   []string{fmt.Sprintf("a%d@x.example", i), fmt.Sprintf("b%d@x.example", i)},
			Created: c.Now(), Body: []byte("hi"), Campaign: "c1"}
		if err := q.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var results []queue.Result
	for {
		works, err := q.Claim(ctx, 1000, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(works) == 0 {
			break
		}
		for _, w := range works {
			for _, r := range w.Rcpts {
				res := queue.Result{ID: w.ID, Index: r.Index, Outcome: queue.OutcomeDelivered, Code: 250}
				if r.Index == 1 {
					res.Outcome, res.Code = queue.OutcomeFailed, 550
				}
				results = append(results, res)
			}
		}
	}
	if err := q.Complete(ctx, results); err != nil {
		t.Fatal(err)
	}
}

// wantCounts checks the tenant's and the campaign's delivery counters.
func wantCounts(t *testing.T, s *Store, sent, delivered, failed uint64) {
	t.Helper()
	for _, camp := range []string{"", "c1"} {
		st := stats(t, s, "acme", camp)
		if st.Sent != sent || st.Delivered != delivered || st.Failed != failed {
			t.Fatalf("campaign %q: sent=%d delivered=%d failed=%d, want %d/%d/%d",
				camp, st.Sent, st.Delivered, st.Failed, sent, delivered, failed)
		}
	}
}

// TestFollowerApplies: every journaled reception and outcome reaches the
// store, the campaign with it, in batches; the journal is then empty.
func TestFollowerApplies(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	spoolTraffic(t, q, c, 25)
	f := s.Follow(q, FollowOptions{MaxBatch: 7})
	n, err := f.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 100 || q.JournalDepth() != 0 {
		t.Fatalf("applied %d events (want 100), journal depth %d", n, q.JournalDepth())
	}
	wantCounts(t, s, 50, 25, 25)
	if m := s.Metrics(); m.Journaled != 100 {
		t.Fatalf("metrics journaled %d", m.Journaled)
	}
}

// TestFollowerKinds: operator bounces and deletes and suppressed
// recipients map to their kinds and reasons.
func TestFollowerKinds(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	ctx := context.Background()
	ids := make([]queue.ID, 3)
	for i := range ids {
		ids[i] = q.NewID()
		if err := q.Enqueue(ctx, &queue.Message{ID: ids[i], Tenant: "acme", Rcpts: []string{"a@x.example"}, Created: c.Now(), Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Bounce(ctx, queue.Filter{ID: ids[0]}, "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Delete(ctx, queue.Filter{ID: ids[1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Claim(ctx, 10, 10); err != nil {
		t.Fatal(err)
	}
	if err := q.Complete(ctx, []queue.Result{{ID: ids[2], Outcome: queue.OutcomeFailed, Suppressed: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(q, FollowOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[queue.ID]Event{}
	err := s.Range(ctx, "acme", time.Time{}, time.Time{}, func(ev Event) bool {
		if ev.Kind != KindSent {
			got[queue.ID(ev.Message)] = ev
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []Event{{Kind: KindFailed, Reason: ReasonOperatorBounce}, {Kind: KindDeleted, Reason: ReasonOperatorDelete},
		{Kind: KindFailed, Reason: ReasonSuppressed}} {
		if ev := got[ids[i]]; ev.Kind != want.Kind || ev.Reason != want.Reason {
			t.Errorf("message %d: %s/%s, want %s/%s", i, ev.Kind, ev.Reason, want.Kind, want.Reason)
		}
	}
	// A delete is not a failure, as in the spool.
	if st := stats(t, s, "acme", ""); st.Sent != 3 || st.Delivered != 0 || st.Failed != 2 {
		t.Fatalf("stats %+v", st)
	}

	// Processed returns: journaled with DoneReturn, in the transaction
	// that empties the inbox.
	ret := &queue.Return{Rcpt: "fbl@bounces.example", Received: c.Now(), Data: []byte("x")}
	if err := q.AddReturn(ctx, ret); err != nil {
		t.Fatal(err)
	}
	err = q.DoneReturn(ctx, ret.ID,
		queue.JournalEntry{Kind: queue.JournalBounce, Time: c.Now(), Tenant: "acme", ID: ids[2], Reply: "hard_invalid_recipient"},
		queue.JournalEntry{Kind: queue.JournalComplaint, Time: c.Now(), Tenant: "acme", ID: ids[2], Reply: "complaint"},
		queue.JournalEntry{Kind: queue.JournalUnsubscribe, Time: c.Now(), Tenant: "acme", ID: ids[2], Reply: "unsubscribe"})
	if err != nil {
		t.Fatal(err)
	}
	if rets, _ := q.PendingReturns(10); len(rets) != 0 {
		t.Fatalf("return still in the inbox: %+v", rets)
	}
	if _, err := s.Follow(q, FollowOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]string{}
	err = s.Range(ctx, "acme", time.Time{}, time.Time{}, func(ev Event) bool {
		if ev.Kind == KindBounce || ev.Kind == KindComplaint || ev.Kind == KindUnsubscribe {
			kinds[ev.Kind] = ev.Reason
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if kinds[KindBounce] != "hard_invalid_recipient" || kinds[KindComplaint] != "complaint" || kinds[KindUnsubscribe] != "unsubscribe" {
		t.Fatalf("return events %v", kinds)
	}
}

// TestFollowerRetriesFailedWrites: while the store cannot write (an
// injected error, as a full disk gives), the journal keeps every entry;
// once writes succeed, everything arrives, once.
func TestFollowerRetriesFailedWrites(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	s, c := openStore(t, Options{writeErr: func() error {
		if failing.Load() {
			return errors.New("no space left on device")
		}
		return nil
	}})
	q := openSpool(t, c, queue.Options{})
	spoolTraffic(t, q, c, 10)
	f := s.Follow(q, FollowOptions{MaxBatch: 4})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := f.Drain(ctx); err == nil {
			t.Fatal("drain succeeded while writes fail")
		}
	}
	if d := q.JournalDepth(); d != 30 { // per message: sent, delivered, failed
		t.Fatalf("journal depth %d while failing, want 30", d)
	}
	wantCounts(t, s, 0, 0, 0)
	failing.Store(false)
	if _, err := f.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, s, 20, 10, 10)
	if f.Failures() != 3 || s.Metrics().JournalErrors != 3 || q.JournalDepth() != 0 {
		t.Fatalf("failures %d, journal errors %d, depth %d", f.Failures(), s.Metrics().JournalErrors, q.JournalDepth())
	}
}

// failingAck is a journal whose acknowledgements fail while fail is set:
// a crash between the event store's commit and the spool's ack.
type failingAck struct {
	*queue.Store
	fail atomic.Bool
}

func (j *failingAck) AckJournal(ctx context.Context, seq uint64) error {
	if j.fail.Load() {
		return errors.New("spool closed")
	}
	return j.Store.AckJournal(ctx, seq)
}

// TestFollowerIdempotentReplay: a batch committed but not acknowledged is
// read again; the store skips what it has, so nothing is counted twice.
func TestFollowerIdempotentReplay(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	spoolTraffic(t, q, c, 5)
	j := &failingAck{Store: q}
	j.fail.Store(true)
	f := s.Follow(j, FollowOptions{})
	ctx := context.Background()
	if _, err := f.Drain(ctx); err == nil {
		t.Fatal("drain succeeded with a failing ack")
	}
	wantCounts(t, s, 10, 5, 5)
	if d := q.JournalDepth(); d != 15 {
		t.Fatalf("depth %d, want 15 (nothing acknowledged)", d)
	}
	// A new entry joins the replayed batch: it alone is applied.
	spoolTraffic(t, q, c, 1)
	j.fail.Store(false)
	if _, err := f.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, s, 12, 6, 6)
	if d := q.JournalDepth(); d != 0 {
		t.Fatalf("depth %d after the replay, want 0", d)
	}
	applied, err := s.AppliedJournal(q.JournalID())
	if err != nil || applied == 0 {
		t.Fatalf("applied %d, %v", applied, err)
	}
}

// TestFollowerRun: Run applies what the spool journals as it comes (woken
// by OnJournal) and backs off across failures until writes succeed.
func TestFollowerRun(t *testing.T) {
	t.Parallel()
	var fails atomic.Int32
	fails.Store(3)
	s, c := openStore(t, Options{writeErr: func() error {
		if fails.Add(-1) >= 0 {
			return errors.New("i/o error")
		}
		return nil
	}})
	var fp atomic.Pointer[Follower]
	q := openSpool(t, c, queue.Options{OnJournal: func() {
		if f := fp.Load(); f != nil {
			f.Kick()
		}
	}})
	f := s.Follow(q, FollowOptions{Poll: time.Hour, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
	fp.Store(f)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = f.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	spoolTraffic(t, q, c, 3)
	deadline := time.Now().Add(10 * time.Second)
	for q.JournalDepth() != 0 || stats(t, s, "acme", "").Failed != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("journal depth %d, failures %d", q.JournalDepth(), f.Failures())
		}
		time.Sleep(time.Millisecond)
	}
	wantCounts(t, s, 6, 3, 3)
	if f.Failures() < 3 {
		t.Fatalf("failures %d, want ≥ 3", f.Failures())
	}
}

// logBuffer is a logger writing text lines into a buffer safe for the
// writer goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// TestFollowerNewSpool: a spool replaced by a new one (a new file, whose
// sequences start again at 1) is applied from its first entry, not taken
// for the old one's entries; the old spool's position is kept, and going
// back in one journal (a replay) is logged.
func TestFollowerNewSpool(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	s, c := openStore(t, Options{Logger: logs.logger()})
	ctx := context.Background()
	old := openSpool(t, c, queue.Options{})
	spoolTraffic(t, old, c, 5) // sequences 1…15
	if _, err := s.Follow(old, FollowOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, s, 10, 5, 5)

	spool := openSpool(t, c, queue.Options{})
	if spool.JournalID() == old.JournalID() {
		t.Fatal("two spools share a journal id")
	}
	spoolTraffic(t, spool, c, 2) // sequences 1…6 again
	if n, err := s.Follow(spool, FollowOptions{}).Drain(ctx); err != nil || n != 8 {
		t.Fatalf("new spool: %d events applied (want 8), %v", n, err)
	}
	wantCounts(t, s, 14, 7, 7)
	for _, j := range []struct {
		q    *queue.Store
		want uint64
	}{{old, 15}, {spool, 6}} {
		if got, err := s.AppliedJournal(j.q.JournalID()); err != nil || got != j.want {
			t.Fatalf("applied %d, want %d (%v)", got, j.want, err)
		}
	}
	if strings.Contains(logs.String(), "already applied") {
		t.Fatalf("a warning without a replay: %s", logs.String())
	}

	// A replay (committed here, not acknowledged) is skipped and logged.
	j := &failingAck{Store: spool}
	j.fail.Store(true)
	spoolTraffic(t, spool, c, 1)
	if _, err := s.Follow(j, FollowOptions{}).Drain(ctx); err == nil {
		t.Fatal("drain succeeded with a failing ack")
	}
	j.fail.Store(false)
	if n, err := s.Follow(j, FollowOptions{}).Drain(ctx); err != nil || n != 0 {
		t.Fatalf("replay: %d events applied, %v", n, err)
	}
	wantCounts(t, s, 16, 8, 8)
	if l := logs.String(); !strings.Contains(l, "already applied") || !strings.Contains(l, spool.JournalID()) {
		t.Fatalf("no warning for the replay: %s", l)
	}
}

// TestFollowerLegacyApplied: a store written before journal ids (one
// "applied" sequence, no id) keeps its position: the first journal it
// sees takes it over, and a later new spool starts from 1.
func TestFollowerLegacyApplied(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{})
	ctx := context.Background()
	q := openSpool(t, c, queue.Options{})
	spoolTraffic(t, q, c, 3) // sequences 1…9
	// The old follower applied through 6 and crashed before the ack.
	err := s.db.Update(func(tx *bolt.Tx) error {
		return bucket(tx, bucketJournal).Put(keyJournalApplied, binary.BigEndian.AppendUint64(nil, 6))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Follow(q, FollowOptions{}).Drain(ctx); err != nil || n != 3 {
		t.Fatalf("applied %d events (want those of sequences 7…9), %v", n, err)
	}
	if got, _ := s.AppliedJournal(q.JournalID()); got != 9 {
		t.Fatalf("applied %d, want 9", got)
	}
	if k := countKeys(t, s, bucketJournal); k != 1 {
		t.Fatalf("%d keys in the journal bucket, want the id's only", k)
	}
	fresh := openSpool(t, c, queue.Options{})
	spoolTraffic(t, fresh, c, 1)
	if n, err := s.Follow(fresh, FollowOptions{}).Drain(ctx); err != nil || n != 4 {
		t.Fatalf("new spool after the upgrade: %d events, %v", n, err)
	}
}

// TestFollowerBatchBoundedByEvents: a batch ends before the entry that
// would take it past MaxEvents ("sent" entries count one event per
// recipient), an entry larger than that goes alone, and every event
// arrives once.
func TestFollowerBatchBoundedByEvents(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sizes []int
	s, c := openStore(t, Options{InTx: func(_ *Tx, evs []Event) error {
		mu.Lock()
		sizes = append(sizes, len(evs))
		mu.Unlock()
		return nil
	}})
	q := openSpool(t, c, queue.Options{})
	ctx := context.Background()
	total := 0
	for _, n := range []int{40, 40, 150, 40, 10, 40} {
		rcpts := make([]string, n)
		for i := range rcpts {
			rcpts[i] = fmt.Sprintf("r%d@x.example", i)
		}
		if err := q.Enqueue(ctx, &queue.Message{ID: q.NewID(), Tenant: "acme", Rcpts: rcpts, Created: c.Now(), Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	f := s.Follow(q, FollowOptions{MaxEvents: 100})
	if n, err := f.Drain(ctx); err != nil || n != total {
		t.Fatalf("applied %d events (want %d), %v", n, total, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []int{80, 150, 90}; !slices.Equal(sizes, want) {
		t.Fatalf("batches of %v events, want %v", sizes, want)
	}
	if st := stats(t, s, "acme", ""); st.Sent != uint64(total) || q.JournalDepth() != 0 {
		t.Fatalf("sent %d, journal depth %d", st.Sent, q.JournalDepth())
	}
	if d := s.Follow(q, FollowOptions{}).o.MaxEvents; d != 10000 {
		t.Fatalf("default MaxEvents %d", d)
	}
}

// TestFollowerGathersCommits: entries of several spool commits that
// arrive within Gather of a kick go into one events transaction (one
// fsync), not one each.
func TestFollowerGathersCommits(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{})
	var fp atomic.Pointer[Follower]
	q := openSpool(t, c, queue.Options{OnJournal: func() {
		if f := fp.Load(); f != nil {
			f.Kick()
		}
	}})
	f := s.Follow(q, FollowOptions{Poll: time.Hour, Gather: 300 * time.Millisecond})
	fp.Store(f)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = f.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	time.Sleep(50 * time.Millisecond) // the follower's first (empty) drain
	before := s.Metrics().Batches
	for i := 0; i < 10; i++ { // ten commits, each kicking the follower
		m := &queue.Message{ID: q.NewID(), Tenant: "acme", Rcpts: []string{fmt.Sprintf("a%d@x.example", i)}, Created: c.Now(), Body: []byte("x"), Campaign: "c1"}
		if err := q.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for q.JournalDepth() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("journal depth %d", q.JournalDepth())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.Metrics().Batches - before; n > 2 {
		t.Fatalf("%d events transactions for ten quick spool commits, want them gathered (1, at most 2)", n)
	}
	wantCounts(t, s, 10, 0, 0)
}

// TestFollowerOutcomes: a journaled failure or deferral reaches the store
// with the receiver's answer (code, enhanced status, reply, MX, attempt)
// and the classifier's class and reason; a delivery carries none.
func TestFollowerOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	m := &queue.Message{ID: q.NewID(), Tenant: "acme", From: "n@acme.example",
		Rcpts: []string{"a@x.example", "b@x.example", "c@x.example"}, Created: c.Now(), Body: []byte("hi")}
	if err := q.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Claim(ctx, 10, 10); err != nil {
		t.Fatal(err)
	}
	err := q.Complete(ctx, []queue.Result{
		{ID: m.ID, Index: 0, Outcome: queue.OutcomeDelivered, Code: 250, Reply: "ok", MX: "mx.x.example"},
		{ID: m.ID, Index: 1, Outcome: queue.OutcomeFailed, Code: 550, Enhanced: "5.1.1", Reply: "no such user", MX: "mx.x.example"},
		{ID: m.ID, Index: 2, Outcome: queue.OutcomeDeferred, Code: 421, Enhanced: "4.7.0", Reply: "try later", MX: "mx.x.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	classify := func(site string, code int, enh, reply string) (string, string) {
		asked = append(asked, fmt.Sprintf("%s %d %s %s", site, code, enh, reply))
		if code >= 500 {
			return "hard_invalid_recipient", "user_unknown"
		}
		return "rate_limited", "rate_limited"
	}
	f := s.Follow(q, FollowOptions{Classify: classify})
	if _, err := f.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[Kind]Event{}
	if err := s.Range(ctx, "acme", time.Time{}, time.Time{}, func(ev Event) bool { got[ev.Kind] = ev; return true }); err != nil {
		t.Fatal(err)
	}
	if f := got[KindFailed]; f.Code != 550 || f.Enhanced != "5.1.1" || f.Reply != "no such user" || f.MX != "mx.x.example" ||
		f.Attempt != 1 || f.Class != "hard_invalid_recipient" || f.Reason != "user_unknown" {
		t.Errorf("failed event %+v", f)
	}
	if d := got[KindDeferred]; d.Code != 421 || d.Enhanced != "4.7.0" || d.Class != "rate_limited" || d.Attempt != 1 {
		t.Errorf("deferred event %+v", d)
	}
	if d := got[KindDelivered]; d.Code != 0 || d.Class != "" {
		t.Errorf("delivered event carries an outcome: %+v", d)
	}
	if len(asked) != 2 {
		t.Errorf("classifier asked %q", asked)
	}
}
