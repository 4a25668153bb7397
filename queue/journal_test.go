package queue

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// journalKinds reads the whole journal and returns its kinds in order,
// checking that sequences grow.
func journalKinds(t *testing.T, s *Store) ([]JournalEntry, []JournalKind) {
	t.Helper()
	es, err := s.ReadJournal(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []JournalKind
	for i, e := range es {
		if i > 0 && e.Seq <= es[i-1].Seq {
			t.Fatalf("journal out of order: %d after %d", e.Seq, es[i-1].Seq)
		}
		kinds = append(kinds, e.Kind)
	}
	return es, kinds
}

func sameKinds(a, b []JournalKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestJournalWrittenWithChanges: Enqueue writes one entry per message
// (with its campaign and recipient count), Complete one per outcome with
// the answer's details, in commit order; a replayed completion writes
// nothing; and OnJournal fires after each commit that journaled.
func TestJournalWrittenWithChanges(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var woken atomic.Int32
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{OnJournal: func() { woken.Add(1) }})
	ctx := context.Background()
	m := &Message{ID: s.NewID(), Tenant: "acme", From: "n@acme.example", Rcpts: []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example"},
		Created: clk.Now(), Body: []byte("x"), Campaign: "nov"}
	if err := s.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	works := mustClaim(t, s)
	if len(works) != 1 || len(works[0].Rcpts) != 4 {
		t.Fatalf("works %+v", works)
	}
	long := strings.Repeat("r", 1000)
	results := []Result{
		{ID: m.ID, Index: 0, Outcome: OutcomeDelivered, Code: 250, Reply: "ok", MX: "mx.x.example"},
		{ID: m.ID, Index: 1, Outcome: OutcomeDeferred, Code: 451, Enhanced: "4.7.1", Reply: long, MX: "mx.x.example"},
		{ID: m.ID, Index: 2, Outcome: OutcomeFailed, Code: 550, Enhanced: "5.1.1", Reply: "no such user"},
		{ID: m.ID, Index: 3, Outcome: OutcomeFailed, Reply: "suppressed: unsubscribe", Suppressed: true},
	}
	if err := s.Complete(ctx, results); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, results); err != nil { // a replay: nothing is in flight any more
		t.Fatal(err)
	}
	es, kinds := journalKinds(t, s)
	want := []JournalKind{JournalSent, JournalDelivered, JournalDeferred, JournalFailed, JournalSuppressed}
	if !sameKinds(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	if e := es[0]; e.Tenant != "acme" || e.ID != m.ID || e.Rcpts != 4 || e.Campaign != "nov" || !e.Time.Equal(m.Created) {
		t.Fatalf("sent entry %+v", e)
	}
	if e := es[2]; e.Tenant != "acme" || e.Index != 1 || e.Code != 451 || e.Enhanced != "4.7.1" || e.MX != "mx.x.example" ||
		e.Attempt != 1 || len(e.Reply) != maxJournalReply || !e.Time.Equal(clk.Now()) {
		t.Fatalf("deferred entry %+v", e)
	}
	if e := es[3]; e.Index != 2 || e.Code != 550 || e.Reply != "no such user" {
		t.Fatalf("failed entry %+v", e)
	}
	if d := s.JournalDepth(); d != 5 {
		t.Fatalf("depth %d, want 5", d)
	}
	if n := woken.Load(); n != 2 {
		t.Fatalf("OnJournal called %d times, want 2 (enqueue, first complete)", n)
	}
}

// TestJournalAtomicWithComplete: a Complete whose write fails (an unknown
// outcome after a valid one) leaves neither the state change nor its
// journal entry.
func TestJournalAtomicWithComplete(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	id := enqueue(t, s, clk, "a@x.example", "b@x.example")
	mustClaim(t, s)
	err := s.Complete(ctx, []Result{{ID: id, Index: 0, Outcome: OutcomeDelivered}, {ID: id, Index: 1, Outcome: 99}})
	if err == nil {
		t.Fatal("complete with an unknown outcome succeeded")
	}
	if _, kinds := journalKinds(t, s); !sameKinds(kinds, []JournalKind{JournalSent}) {
		t.Fatalf("kinds after a failed complete: %v", kinds)
	}
	if _, inflight, _, delivered, _ := s.Counts(); inflight != 2 || delivered != 0 {
		t.Fatalf("inflight=%d delivered=%d after a failed complete", inflight, delivered)
	}
}

// TestJournalOperatorActions: Bounce and Delete journal one entry per
// recipient they finish, with the reason.
func TestJournalOperatorActions(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	a := enqueue(t, s, clk, "a@x.example", "b@x.example")
	b := enqueue(t, s, clk, "c@y.example")
	if _, err := s.Bounce(ctx, Filter{ID: a}, "bounced by ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, Filter{ID: b}); err != nil {
		t.Fatal(err)
	}
	es, kinds := journalKinds(t, s)
	want := []JournalKind{JournalSent, JournalSent, JournalBounced, JournalBounced, JournalDeleted}
	if !sameKinds(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	if e := es[3]; e.ID != a || e.Index != 1 || e.Tenant != "acme" || e.Reply != "bounced by ops" {
		t.Fatalf("bounce entry %+v", e)
	}
	if e := es[4]; e.ID != b || e.Index != 0 || e.Tenant != "acme" {
		t.Fatalf("delete entry %+v", e)
	}
}

// TestJournalAckAndReopen: entries survive a reopen; AckJournal deletes a
// prefix (and the depth follows); sequences never restart, even once the
// journal is empty, so an event store remembering the last applied
// sequence never skips a new entry.
func TestJournalAckAndReopen(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		enqueue(t, s, clk, "a@x.example")
	}
	es, _ := journalKinds(t, s)
	if err := s.AckJournal(ctx, es[1].Seq); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, clk, Options{})
	left, _ := journalKinds(t, s)
	if len(left) != 3 || left[0].Seq != es[2].Seq || left[2].Seq != es[4].Seq {
		t.Fatalf("after ack and reopen: %+v", left)
	}
	if d := s.JournalDepth(); d != 3 {
		t.Fatalf("depth %d after reopen, want 3", d)
	}
	if err := s.AckJournal(ctx, es[4].Seq); err != nil {
		t.Fatal(err)
	}
	if d := s.JournalDepth(); d != 0 {
		t.Fatalf("depth %d after acking all, want 0", d)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, clk, Options{})
	enqueue(t, s, clk, "a@x.example")
	next, _ := journalKinds(t, s)
	if len(next) != 1 || next[0].Seq <= es[4].Seq {
		t.Fatalf("sequence restarted: %+v after %d", next, es[4].Seq)
	}
	if d := s.JournalDepth(); d != 1 {
		t.Fatalf("depth %d, want 1", d)
	}
}

// TestJournalRecordRoundTrip: encode and decode agree, strings are
// bounded, and damaged records are refused.
func TestJournalRecordRoundTrip(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := JournalEntry{Kind: JournalDeferred, Time: clk.Now(), Tenant: "acme", ID: 42, Index: 7, Rcpts: 0, Attempt: 3,
		Code: 451, Enhanced: "4.2.2", Reply: "mailbox full", MX: "mx.example"}
	got, err := decodeJournal(encodeJournal(&e))
	if err != nil || !got.Time.Equal(e.Time) {
		t.Fatalf("decode: %+v %v", got, err)
	}
	got.Time = e.Time
	if got != e {
		t.Fatalf("round trip: %+v, want %+v", got, e)
	}
	b := encodeJournal(&e)
	for _, bad := range [][]byte{nil, {2}, b[:len(b)-1], append(append([]byte{}, b...), 0), {journalVersion, 0}} {
		if _, err := decodeJournal(bad); err == nil {
			t.Fatalf("decoded a damaged record %x", bad)
		}
	}
}

// TestJournalID: a spool's journal id is made at its first Open and kept
// across reopens; another spool (a new file) has another, so a reader
// keeping its position per id never confuses their sequences.
func TestJournalID(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "spool.db"), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	id := s.JournalID()
	if len(id) != 2*journalIDLen {
		t.Fatalf("journal id %q", id)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if again := openStore(t, filepath.Join(dir, "spool.db"), clk, Options{}).JournalID(); again != id {
		t.Fatalf("journal id changed across a reopen: %q, then %q", id, again)
	}
	if other := openStore(t, filepath.Join(dir, "other.db"), clk, Options{}).JournalID(); other == id {
		t.Fatalf("two spools share the journal id %q", id)
	}
}
