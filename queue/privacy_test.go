package queue

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestHashedSuppression: erasing an unsubscribed address keeps it
// suppressed by its hash only, in every lookup and across a restart;
// later suppressions of it stay hashed; other addresses and tenants are
// unaffected; Unsuppress lifts it.
func TestHashedSuppression(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	ctx := context.Background()
	err := s.SuppressMany(ctx, []Suppression{
		{Tenant: "acme", Addr: "Ann@X.example", Scope: ScopeMarketing, Reason: "unsubscribe", Source: "edge", Detail: "ann@x.example via one_click"},
		{Tenant: "acme", Addr: "bob@x.example", Reason: "complaint"},
		{Tenant: "zeta", Addr: "ann@x.example", Reason: "admin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordSoftFailure(ctx, "acme", "ann@x.example", "soft_mailbox_full", "452 ann@x.example full", 3, 0); err != nil {
		t.Fatal(err)
	}
	sub, err := s.FindSubject(ctx, "acme", "ANN@x.example")
	if err != nil || len(sub.Suppressions) != 1 || sub.Suppressions[0].Hashed || sub.Suppressions[0].Addr != "ann@x.example" {
		t.Fatalf("find before erasure: %+v, %v", sub, err)
	}
	e, err := s.EraseSubject(ctx, sub)
	if err != nil || e.Hashed != 1 {
		t.Fatalf("erase: %+v, %v", e, err)
	}

	checkHashed := func(s *Store, scope Scope, reason string) {
		t.Helper()
		sup, ok := s.Suppressed("acme", "aNN@x.example")
		if !ok || !sup.Hashed || sup.Scope != scope || sup.Reason != reason || sup.Detail != "" ||
			sup.Addr != s.HashAddr("acme", "ann@x.example") || !strings.HasPrefix(sup.Addr, HashedPrefix) {
			t.Fatalf("erased address: %+v %v, want hashed %s/%s", sup, ok, scope, reason)
		}
		list, err := s.ListSuppressions("acme", "", 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("list = %+v, %v", list, err)
		}
		for _, l := range list {
			if strings.Contains(l.Addr+l.Detail, "ann") {
				t.Fatalf("the erased address is still stored: %+v", l)
			}
		}
		if sup, ok := s.Suppressed("acme", "bob@x.example"); !ok || sup.Hashed || sup.Reason != "complaint" {
			t.Fatalf("other address: %+v %v", sup, ok)
		}
		if sup, ok := s.Suppressed("zeta", "ann@x.example"); !ok || sup.Hashed || sup.Reason != "admin" {
			t.Fatalf("other tenant: %+v %v", sup, ok)
		}
		if _, ok := s.Suppressed("acme", "cat@x.example"); ok {
			t.Fatal("an address never suppressed is")
		}
	}
	checkHashed(s, ScopeMarketing, "unsubscribe")
	if sub, _ := s.FindSubject(ctx, "acme", "ann@x.example"); len(sub.SoftFailures) != 0 {
		t.Fatalf("soft failures survived the erasure: %v", sub.SoftFailures)
	}
	if s.HashAddr("acme", "ann@x.example") == s.HashAddr("zeta", "ann@x.example") {
		t.Fatal("the hash links one person across tenants")
	}

	// A complaint after the erasure widens the hashed suppression and does
	// not store the address again; a later unsubscribe does not narrow it;
	// soft failures are not recorded.
	s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "ann@x.example", Scope: ScopeAll, Reason: "complaint", Detail: "ann@x.example"})
	s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "ann@x.example", Scope: ScopeMarketing, Reason: "unsubscribe"})
	if sup, err := s.RecordSoftFailure(ctx, "acme", "ann@x.example", "soft_mailbox_full", "", 3, 0); err != nil || !sup {
		t.Fatalf("soft failure of an erased, suppressed address: %v %v", sup, err)
	}
	checkHashed(s, ScopeAll, "complaint")

	// Durable, with the same key, after a restart.
	s.Close()
	s = openStore(t, path, clk, Options{})
	checkHashed(s, ScopeAll, "complaint")

	// The operator can lift it by address or by its hashed form.
	if existed, err := s.Unsuppress(ctx, "acme", "ann@x.example"); err != nil || !existed {
		t.Fatalf("unsuppress: %v %v", existed, err)
	}
	if _, ok := s.Suppressed("acme", "ann@x.example"); ok {
		t.Fatal("still suppressed after removal")
	}
	s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "bob@x.example", Reason: "complaint"})
	sub, _ = s.FindSubject(ctx, "acme", "bob@x.example")
	s.EraseSubject(ctx, sub)
	if existed, err := s.Unsuppress(ctx, "acme", s.HashAddr("acme", "bob@x.example")); err != nil || !existed {
		t.Fatalf("unsuppress by hash: %v %v", existed, err)
	}
	if _, ok := s.Suppressed("acme", "bob@x.example"); ok {
		t.Fatal("still suppressed after removal by hash")
	}
}

// TestFindAndEraseSubject: the directory scan finds an address's entries
// (any case, this tenant only) and its records in the queue in every
// state; erasure removes them, keeps the counts right, leaves other
// recipients alone, and a completion arriving for an erased in-flight
// recipient is ignored.
func TestFindAndEraseSubject(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	ctx := context.Background()
	complete := func(id ID, idx uint32, o Outcome) {
		t.Helper()
		if err := s.Complete(ctx, []Result{{ID: id, Index: idx, Outcome: o}}); err != nil {
			t.Fatal(err)
		}
	}

	done := enqueue(t, s, clk, "ann@x.example", "bob@y.example")     // delivered and gone
	inflight := enqueue(t, s, clk, "Ann@X.example", "cat@y.example") // ann in flight
	final := enqueue(t, s, clk, "ann@x.example", "dan@y.example")    // ann delivered, dan deferred
	zeta := &Message{ID: s.NewID(), Tenant: "zeta", From: "z@zeta.example", Rcpts: []string{"ann@x.example"}, Created: clk.Now(), Body: []byte("x")}
	if err := s.Enqueue(ctx, zeta); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, 100, 100); err != nil {
		t.Fatal(err)
	}
	complete(done, 0, OutcomeDelivered)
	complete(done, 1, OutcomeDelivered)
	complete(inflight, 1, OutcomeDelivered)
	complete(final, 0, OutcomeDelivered)
	complete(final, 1, OutcomeDeferred)
	complete(zeta.ID, 0, OutcomeDeferred)
	held := enqueue(t, s, clk, "ann@x.example") // set aside by a domain hold
	if err := s.Suspend(ctx, "domain", "x.example", "test"); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Claim(ctx, 100, 100); err != nil || len(w) != 0 {
		t.Fatalf("claim under a hold: %+v, %v", w, err)
	}
	waiting := enqueue(t, s, clk, "ANN@x.example") // queued

	sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil {
		t.Fatal(err)
	}
	var dir []ID
	for _, r := range sub.Directory {
		dir = append(dir, r.ID)
	}
	if want := []ID{done, inflight, final, held, waiting}; !slices.Equal(dir, want) {
		t.Fatalf("directory = %v, want %v", dir, want)
	}
	if sub.Directory[1].Addr != "Ann@X.example" || sub.Directory[1].Index != 0 {
		t.Fatalf("directory entry = %+v", sub.Directory[1])
	}
	states := map[ID]string{}
	for _, q := range sub.Queued {
		states[q.ID] = q.State.String()
		if q.Held {
			states[q.ID] += ",held"
		}
	}
	want := map[ID]string{inflight: "in_flight", final: "delivered", waiting: "queued", held: "queued,held"}
	if len(states) != len(want) {
		t.Fatalf("queued = %v, want %v", states, want)
	}
	for id, st := range want {
		if states[id] != st {
			t.Fatalf("queued = %v, want %v", states, want)
		}
	}
	if keys := sub.Keys(); len(keys) != 5 {
		t.Fatalf("keys = %v, want the 5 recipients once each", keys)
	}

	e, err := s.EraseSubject(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if e.Directory != 5 || e.Waiting != 2 || e.InFlight != 1 || e.Final != 1 || e.Messages != 3 || len(e.Removed) != 3 {
		t.Fatalf("erasure = %+v", e)
	}
	// No marker is left behind in the in-flight, held or schedule indexes
	// (only dan's and zeta's retries are scheduled).
	for name, want := range map[string]int{"inflight": 0, "held": 0, "sched": 2} {
		if n := bucketLen(t, s, name); n != want {
			t.Errorf("%s bucket has %d keys after the erasure, want %d", name, n, want)
		}
	}
	// A completion of the erased in-flight recipient is ignored.
	complete(inflight, 0, OutcomeDelivered)
	// Each removed recipient that had no outcome yet gets one in the
	// journal (ids only); the ignored completion journals nothing.
	es, _ := journalKinds(t, s)
	var erased []RcptKey
	for _, j := range es {
		if strings.Contains(strings.ToLower(fmt.Sprintf("%+v", j)), "ann") {
			t.Fatalf("a journal entry names the address: %+v", j)
		}
		if j.Kind == JournalDeleted && j.Reply == JournalErased {
			if j.Tenant != "acme" || !j.Time.Equal(clk.Now()) {
				t.Fatalf("erasure entry %+v", j)
			}
			erased = append(erased, RcptKey{j.ID, j.Index})
		}
		if j.ID == inflight && j.Index == 0 && j.Kind == JournalDelivered {
			t.Fatalf("the erased recipient's completion was journaled: %+v", j)
		}
	}
	if !slices.Equal(erased, e.Removed) {
		t.Fatalf("erasure entries for %v, want %v", erased, e.Removed)
	}

	check := func(s *Store) {
		t.Helper()
		if sub, err := s.FindSubject(ctx, "acme", "ann@x.example"); err != nil || len(sub.Directory)+len(sub.Queued) != 0 {
			t.Fatalf("after erasure: %+v, %v", sub, err)
		}
		if r, ok := s.LookupRecipient(done, 1); !ok || r.Addr != "bob@y.example" {
			t.Fatalf("another recipient's entry: %+v %v", r, ok)
		}
		if z, err := s.FindSubject(ctx, "zeta", "ann@x.example"); err != nil || len(z.Directory) != 1 || len(z.Queued) != 1 {
			t.Fatalf("another tenant's: %+v, %v", z, err)
		}
		for _, id := range []ID{inflight, waiting, held} {
			if _, err := s.Body(id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("message %s left with no recipient is still stored: %v", id, err)
			}
		}
		m, err := s.Message(final)
		if err != nil || len(m.Rcpts) != 1 || m.Rcpts[0].Addr != "dan@y.example" || m.Pending != 1 {
			t.Fatalf("message with another waiting recipient: %+v, %v", m, err)
		}
		// Left: dan and zeta's ann, both deferred.
		st := s.Stats()
		if st.Queued != 0 || st.InFlight != 0 || st.Deferred != 2 || st.Messages != 2 {
			t.Fatalf("stats after erasure: %+v", st)
		}
	}
	check(s)
	s.Close()
	s = openStore(t, path, clk, Options{})
	check(s) // the persisted counts agree
}

func bucketLen(t *testing.T, s *Store, name string) int {
	t.Helper()
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte(name)).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSubjectBadInput: requests without a tenant or an address are
// refused.
func TestSubjectBadInput(t *testing.T) {
	t.Parallel()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), newClock(), Options{})
	for _, c := range [][2]string{{"", "a@x.example"}, {"acme", ""}, {"acme", "no-at-sign"}} {
		if _, err := s.FindSubject(context.Background(), c[0], c[1]); !errors.Is(err, errSubject) {
			t.Errorf("find %q: %v", c, err)
		}
	}
	if _, err := s.EraseSubject(context.Background(), &Subject{Tenant: "acme"}); !errors.Is(err, errSubject) {
		t.Errorf("erase without an address: %v", err)
	}
}

// Soft failures counted under the hash (an erased, marketing-only
// suppressed address) belong to the person too: exported, deleted by a
// later erasure and by Unsuppress. An erasure that hashes nothing leaves
// suppression checks on their one-lookup path.
func TestHashedSoftFailures(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	erase := func(addr string) Erasure {
		t.Helper()
		sub, err := s.FindSubject(ctx, "acme", addr)
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.EraseSubject(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	erase("nobody@x.example")
	if s.hashedAny.Load() {
		t.Fatal("an erasure that hashed nothing turned on hashed lookups")
	}
	soft := func(addr string) {
		t.Helper()
		if _, err := s.RecordSoftFailure(ctx, "acme", addr, "soft_mailbox_full", "452 full", 3, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for _, addr := range []string{"ann@x.example", "cat@x.example"} {
		if err := s.SuppressMany(ctx, []Suppression{{Tenant: "acme", Addr: addr, Scope: ScopeMarketing, Reason: "unsubscribe"}}); err != nil {
			t.Fatal(err)
		}
		erase(addr)
		soft(addr)
		soft(addr)
	}
	if !s.hashedAny.Load() {
		t.Fatal("hashed lookups off after a suppression was hashed")
	}
	if n := bucketLen(t, s, string(bucketSoft)); n != 2 {
		t.Fatalf("%d soft-failure histories, want 2 (under the hashes)", n)
	}
	sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil || len(sub.SoftFailures) != 2 {
		t.Fatalf("export: %d soft failures (%v), want the 2 kept under the hash", len(sub.SoftFailures), err)
	}
	if e := erase("ann@x.example"); !e.SoftFailures {
		t.Fatal("a second erasure left the history under the hash")
	}
	if ok, err := s.Unsuppress(ctx, "acme", "cat@x.example"); err != nil || !ok {
		t.Fatalf("unsuppress: %v %v", ok, err)
	}
	if n := bucketLen(t, s, string(bucketSoft)); n != 0 {
		t.Fatalf("%d soft-failure histories left after erasure and unsuppress", n)
	}
}

// TestFleetEraseRecords: a fleet erasure request is recorded as applied
// (by id, across a restart) with the cursor, a pending one is listed
// until pushed, and the spool never keeps the address once it is; an
// erasure drops the address's changes still in the fleet outbox, and
// only those.
func TestFleetEraseRecords(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	ctx := context.Background()
	e := FleetErase{ID: "a-01", Tenant: "acme", Addr: "ann@x.example", At: clk.Now()}
	if err := s.MarkFleetErased(ctx, e, "", true); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFleetErased(ctx, FleetErase{ID: "b-02", Tenant: "acme", Addr: "cy@x.example"}, "1700-0", false); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFleetErased(ctx, FleetErase{ID: "x", Tenant: "acme", Addr: "nobody"}, "", false); err == nil {
		t.Fatal("a request without an address was recorded")
	}
	pend, err := s.FleetErasePending()
	if err != nil || len(pend) != 1 || pend[0].ID != "a-01" || pend[0].Addr != "ann@x.example" || !pend[0].At.Equal(e.At) {
		t.Fatalf("pending: %+v, %v", pend, err)
	}
	if err := s.FleetErasePushed(ctx, "a-01"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, path, clk, Options{})
	for id, want := range map[string]bool{"a-01": true, "b-02": true, "c-03": false} {
		if got, err := s.FleetErased(id); err != nil || got != want {
			t.Fatalf("erased %s: %v, %v", id, got, err)
		}
	}
	if cur, err := s.FleetEraseCursor(); err != nil || cur != "1700-0" {
		t.Fatalf("cursor: %q, %v", cur, err)
	}
	if pend, err := s.FleetErasePending(); err != nil || len(pend) != 0 {
		t.Fatalf("pending after push: %+v, %v", pend, err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFleetErase).ForEach(func(k, v []byte) error {
			if strings.Contains(string(k)+string(v), "ann@") || strings.Contains(string(k)+string(v), "cy@") {
				return fmt.Errorf("the spool keeps an erased address: %q → %q", k, v)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}

	// The fleet outbox: ann's suppression goes with her erasure, bob's stays.
	if err := s.SetFleetOutbox(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SuppressMany(ctx, []Suppression{{Tenant: "acme", Addr: "ann@x.example"}, {Tenant: "acme", Addr: "bob@x.example"}}); err != nil {
		t.Fatal(err)
	}
	sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EraseSubject(ctx, sub); err != nil {
		t.Fatal(err)
	}
	out, err := s.FleetOutbox(10)
	if err != nil || len(out) != 1 || out[0].Suppression.Addr != "bob@x.example" {
		t.Fatalf("fleet outbox after the erasure: %+v, %v", out, err)
	}
}

// TestFindSubjectEverySpelling: a data subject request finds the
// address's directory entries and queued records whatever spelling they
// were stored under (a trailing dot, an IDNA U-label, upper case), as
// suppressions do (NormalizeAddr).
func TestFindSubjectEverySpelling(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	enqueue(t, s, clk, "ann@bücher.example.", "bob@y.example")
	enqueue(t, s, clk, "ANN@xn--bcher-kva.example", "cat@y.example")
	enqueue(t, s, clk, "ann@bücher.example")
	enqueue(t, s, clk, "Ann@X.Example.", "dan@y.example")
	enqueue(t, s, clk, "ann@x.example")
	for addr, want := range map[string]int{"ann@xn--bcher-kva.example": 3, "ann@x.example": 2} {
		sub, err := s.FindSubject(ctx, "acme", addr)
		if err != nil {
			t.Fatal(err)
		}
		if len(sub.Queued) != want {
			t.Errorf("%s: queued records of every spelling = %d, want %d: %+v", addr, len(sub.Queued), want, sub.Queued)
		}
	}
}
