package webhook

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sluice/tracking/events"
)

// erasureFixture queues, in three events transactions (three values),
// entries of ann (two messages) and bob, and consumes the first entry:
//
//	value 1: ann (consumed), bob, ann, bob
//	value 2: ann
//	value 3: bob, ann
//
// It returns the fixture, ann's and bob's ids, and the head read before
// any erasure (six live entries).
func erasureFixture(t *testing.T) (f *fixture, ann, bob []events.RecipientID, before head) {
	t.Helper()
	f = newFixture(t, []Endpoint{endpoint("https://hooks.example/")}, Config{}) // never started
	a1, a2, b := events.RecipientID{Message: msgID(1), Rcpt: 0}, events.RecipientID{Message: msgID(2), Rcpt: 1}, events.RecipientID{Message: msgID(1), Rcpt: 1}
	ev := func(id events.RecipientID, kind events.Kind) events.Event {
		return events.Event{Time: t0, Kind: kind, Tenant: "acme", Message: id.Message, Rcpt: id.Rcpt}
	}
	f.record(ev(a1, events.KindSent), ev(b, events.KindSent), ev(a2, events.KindSent), ev(b, events.KindDelivered))
	f.record(ev(a1, events.KindOpen))
	f.record(ev(b, events.KindOpen), ev(a2, events.KindClick))
	r := f.out.routes["acme"]
	db := f.store
	h, err := f.out.readHead(db, r, 1, time.Time{})
	if err != nil || len(h.live) != 1 {
		t.Fatalf("readHead: %+v, %v", h, err)
	}
	if err := f.out.advance(db, r, h.from, h.to); err != nil {
		t.Fatal(err)
	}
	if before, err = f.out.readHead(db, r, 100, time.Time{}); err != nil || len(before.live) != 6 {
		t.Fatalf("readHead: %d live, %v", len(before.live), err)
	}
	return f, []events.RecipientID{a1, a2}, []events.RecipientID{b}, before
}

// ids returns the event ids of h's live entries whose recipient is in who
// (every entry when who is nil).
func ids(h head, who []events.RecipientID) []string {
	var out []string
	for _, e := range h.live {
		if who == nil || slices.Contains(who, events.RecipientID{Message: e.ev.Message, Rcpt: e.ev.Rcpt}) {
			out = append(out, eventID(h.prefix, e.pos))
		}
	}
	return out
}

// TestOutboxExportErase: the export lists a recipient's entries still to
// be sent, with their ids; the erasure removes exactly those, keeps the
// others' order and ids, deletes a value left empty, and lowers the depth
// by as many, which consuming the rest brings to zero.
func TestOutboxExportErase(t *testing.T) {
	t.Parallel()
	f, ann, bob, before := erasureFixture(t)
	ctx, db, r := context.Background(), f.store, f.out.routes["acme"]

	got, err := f.out.ExportRecipients(ctx, db, "acme", ann)
	if err != nil {
		t.Fatal(err)
	}
	var kinds, gotIDs []string
	for _, ev := range got {
		kinds = append(kinds, ev.Kind)
		gotIDs = append(gotIDs, ev.ID)
		if ev.Tenant != "acme" || ev.Recipient != "" {
			t.Errorf("exported %+v", ev)
		}
	}
	if strings.Join(kinds, ",") != "sent,open,click" || !slices.Equal(gotIDs, ids(before, ann)) {
		t.Fatalf("export: %v %v; want sent,open,click (not the consumed one) with ids %v", kinds, gotIDs, ids(before, ann))
	}

	n, err := f.out.EraseRecipients(ctx, db, "acme", ann)
	if err != nil || n != 3 {
		t.Fatalf("erase = %d, %v; want 3", n, err)
	}
	if d, _, _ := f.out.depth(db, r); d != 3 {
		t.Fatalf("depth %d after erasure, want 3", d)
	}
	if got, _ := f.out.ExportRecipients(ctx, db, "acme", ann); len(got) != 0 {
		t.Fatalf("export after erasure: %+v", got)
	}
	after, err := f.out.readHead(db, r, 100, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(after, nil), ids(before, bob)) || after.expired+after.corrupt != 0 {
		t.Fatalf("after erasure: ids %v (%d expired, %d corrupt), want bob's %v", ids(after, nil), after.expired, after.corrupt, ids(before, bob))
	}
	err = db.View(func(tx *events.Tx) error {
		if queueBucket(tx, "acme").Get(seqKey(2)) != nil {
			t.Error("value 2, all erased, is still there")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := f.out.EraseRecipients(ctx, db, "acme", ann); n != 0 {
		t.Fatalf("second erasure = %d", n)
	}
	if err := f.out.advance(db, r, after.from, after.to); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, f)
}

// TestOutboxEraseInFlight: entries erased while a batch holding them is
// in flight are consumed with it without being counted twice.
func TestOutboxEraseInFlight(t *testing.T) {
	t.Parallel()
	f, ann, _, inFlight := erasureFixture(t)
	ctx, db, r := context.Background(), f.store, f.out.routes["acme"]
	if n, err := f.out.EraseRecipients(ctx, db, "acme", ann); err != nil || n != 3 {
		t.Fatalf("erase = %d, %v; want 3", n, err)
	}
	if err := f.out.advance(db, r, inFlight.from, inFlight.to); err != nil { // delivered
		t.Fatal(err)
	}
	checkDrained(t, f)
}

// checkDrained checks that acme's queue is empty and its counts agree.
func checkDrained(t *testing.T, f *fixture) {
	t.Helper()
	err := f.store.View(func(tx *events.Tx) error {
		st, _ := getState(tx, "acme")
		if st.appended != 7 || st.done != 7 {
			t.Errorf("appended %d, done %d; want 7, 7", st.appended, st.done)
		}
		if k, _ := queueBucket(tx, "acme").Cursor().First(); k != nil {
			t.Errorf("value %x left", k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestErasedNeverSent: events queued while the endpoint is down, then
// erased (the dispatcher waiting to retry), are never sent once it is
// back; another recipient's are, with the ids of the failed attempts.
func TestErasedNeverSent(t *testing.T) {
	t.Parallel()
	var up atomic.Bool
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, []Endpoint{endpoint(rc.url())}, Config{})
	f.sleep.free = 1 // the second wait blocks until the dispatcher stops
	ann := events.RecipientID{Message: msgID(1), Rcpt: 0}
	bob := events.RecipientID{Message: msgID(1), Rcpt: 1}
	for _, id := range []events.RecipientID{ann, bob, ann, bob} {
		f.record(events.Event{Time: t0, Kind: events.KindOpen, Tenant: "acme", Message: id.Message, Rcpt: id.Rcpt})
	}
	f.start()
	waitFor(t, "two failed attempts", func() bool { return len(f.sleep.recorded()) == 2 })
	failed := decode(t, rc.requests()[0].body)
	if n, err := f.out.EraseRecipients(context.Background(), f.store, "acme", []events.RecipientID{ann}); err != nil || n != 2 {
		t.Fatalf("erase = %d, %v; want 2", n, err)
	}
	up.Store(true)
	f.close() // ends the blocked wait; the next run's waits return at once
	f.sleep = &sleeper{free: 1 << 20}
	f.open()
	f.start()
	waitFor(t, "delivery", func() bool { m := f.metrics("acme"); return m.Pending == 0 && m.Sent == 2 })
	got := eventsOf(t, rc.requests(), func(n int) bool { return n >= 2 })
	if len(got) != 2 || got[0].ID != failed[1].ID || got[1].ID != failed[3].ID {
		t.Fatalf("sent %+v; want bob's two events with ids %s, %s", got, failed[1].ID, failed[3].ID)
	}
}
