package admin

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"sluice/queue"
	"sluice/tracking/events"
)

// subjects enqueues, for tenant acme, a newsletter to ann and bob and a
// transactional message to ann alone, records an open of ann's
// newsletter, and suppresses ann (unsubscribed from marketing). It
// returns the two message ids.
func subjects(t *testing.T, f *fixture) (news, txn queue.ID) {
	t.Helper()
	news = f.enqueue(queue.Marketing, "ann@example.test", "bob@example.test")
	txn = f.enqueue(queue.Transactional, "ann@example.test")
	f.record(events.KindOpen, news, 0)
	err := f.spool.Suppress(context.Background(), queue.Suppression{Tenant: "acme", Addr: "ann@example.test",
		Scope: queue.ScopeMarketing, Reason: "unsubscribe", Source: "edge", Detail: "ann@example.test via one_click"})
	if err != nil {
		t.Fatal(err)
	}
	return news, txn
}

// TestExportErase: the export of ann gathers the spool's records, her
// events and her webhook entries still to be sent, and nothing of bob;
// Erase removes exactly those (the message to ann alone with its body,
// her record of the shared one), keeps her suppressed by hash, and leaves
// bob's records, events and webhook entries alone.
func TestExportErase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	news, txn := subjects(t, f)
	ctx, st := context.Background(), f.stores()

	ex, err := Export(ctx, st, "acme", "ann@example.test")
	if err != nil {
		t.Fatal(err)
	}
	// ann: sent ×2, open; each event is also a pending webhook entry.
	if len(ex.Directory) != 2 || len(ex.Queued) != 2 || len(ex.Events) != 3 || len(ex.WebhookPending) != 3 ||
		len(ex.Suppressions) != 1 || ex.Suppressions[0].Hashed || ex.Directory[1].Stream != "transactional" {
		t.Fatalf("export of ann: %+v", ex)
	}
	for _, ev := range ex.Events {
		if ev.MessageID == news.String() && ev.Index != 0 {
			t.Fatalf("export of ann holds bob's event: %+v", ev)
		}
	}
	bobBefore, err := Export(ctx, st, "acme", "bob@example.test")
	if err != nil || len(bobBefore.Events) != 1 || len(bobBefore.WebhookPending) != 1 {
		t.Fatalf("export of bob: %+v, %v", bobBefore, err)
	}

	er, err := Erase(ctx, st, "acme", "ann@example.test")
	if err != nil {
		t.Fatal(err)
	}
	want := Erasure{Tenant: "acme", RcptHash: f.spool.HashAddr("acme", "ann@example.test"), DirectoryEntries: 2, Events: 3,
		WebhookEntries: 3, QueuedRemoved: 2, MessagesRemoved: 1, SuppressionsHashed: 1}
	got := er
	got.Removed = nil
	if !reflect.DeepEqual(got, want) || len(er.Removed) != 2 || !strings.HasPrefix(er.RcptHash, queue.HashedPrefix) {
		t.Fatalf("erasure:\n got %+v\nwant %+v", er, want)
	}

	after, err := Export(ctx, st, "acme", "ann@example.test")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(after.Directory) + len(after.Queued) + len(after.Events) + len(after.WebhookPending); n != 0 ||
		len(after.Suppressions) != 1 || !after.Suppressions[0].Hashed || after.Suppressions[0].Hash != er.RcptHash ||
		after.Suppressions[0].Detail != "" {
		t.Fatalf("export of ann after erasure: %+v", after)
	}
	// Events are erased under their ids, which no longer lead to ann: read
	// the store under the ids found before.
	if evs, err := f.events.ExportRecipient(ctx, "acme", []events.RecipientID{{Message: uint64(news)}, {Message: uint64(txn)}}); err != nil || len(evs) != 0 {
		t.Fatalf("ann's events after erasure: %+v, %v", evs, err)
	}
	if _, err := f.spool.Body(txn); err == nil {
		t.Fatal("the message to ann alone is still stored")
	}
	bobAfter, err := Export(ctx, st, "acme", "bob@example.test")
	if err != nil || len(bobAfter.Events) != 1 || len(bobAfter.WebhookPending) != 1 || len(bobAfter.Queued) != 1 {
		t.Fatalf("export of bob after ann's erasure: %+v, %v", bobAfter, err)
	}
	if sup, ok := f.spool.Suppressed("acme", "ann@example.test"); !ok || !sup.Hashed || sup.Scope != queue.ScopeMarketing {
		t.Fatalf("ann after erasure: %+v %v, want a hashed marketing suppression", sup, ok)
	}
}

// failingOutbox fails the erasure of webhook entries.
type failingOutbox struct{ Outbox }

func (failingOutbox) EraseRecipients(context.Context, string, []events.RecipientID) (int, error) {
	return 0, errors.New("disk on fire")
}

// TestEraseOrder: the spool is erased last. When the outbox fails, Erase
// reports ErrEvents and the spool still links ann to her recipients, so
// the request, repeated, erases what the first left (the outbox's
// entries) and then the spool.
func TestEraseOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	subjects(t, f)
	ctx := context.Background()
	broken := f.stores()
	broken.Outbox = failingOutbox{f.outbox}
	er, err := Erase(ctx, broken, "acme", "ann@example.test")
	if !errors.Is(err, ErrEvents) || errors.Is(err, ErrSpool) || er.Events != 3 {
		t.Fatalf("erase with a failing outbox: %+v, %v; want ErrEvents after 3 events", er, err)
	}
	ex, err := Export(ctx, f.stores(), "acme", "ann@example.test")
	if err != nil || len(ex.Directory) != 2 || len(ex.Queued) != 2 || len(ex.Events) != 0 || len(ex.WebhookPending) != 3 {
		t.Fatalf("after a failed erasure the spool must be unchanged: %+v, %v", ex, err)
	}
	er, err = Erase(ctx, f.stores(), "acme", "ann@example.test")
	if err != nil || er.Events != 0 || er.WebhookEntries != 3 || er.DirectoryEntries != 2 || er.QueuedRemoved != 2 {
		t.Fatalf("repeated erasure: %+v, %v", er, err)
	}
}

// TestEraseWithoutOutbox: with no webhook outbox (no tenant has a
// webhook) the erasure does the rest.
func TestEraseWithoutOutbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	subjects(t, f)
	st := f.stores()
	st.Outbox = nil
	ctx := context.Background()
	ex, err := Export(ctx, st, "acme", "ann@example.test")
	if err != nil || len(ex.Events) != 3 || ex.WebhookPending == nil || len(ex.WebhookPending) != 0 {
		t.Fatalf("export without outbox: %+v, %v", ex, err)
	}
	if er, err := Erase(ctx, st, "acme", "ann@example.test"); err != nil || er.Events != 3 || er.WebhookEntries != 0 || er.DirectoryEntries != 2 {
		t.Fatalf("erase without outbox: %+v, %v", er, err)
	}
}

// TestEraseSpoolError: a request the spool refuses is ErrSpool, before
// anything is erased.
func TestEraseSpoolError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	subjects(t, f)
	if _, err := Erase(context.Background(), f.stores(), "acme", "no-at-sign"); !errors.Is(err, ErrSpool) {
		t.Fatalf("erase of a non-address: %v, want ErrSpool", err)
	}
	if ex, err := Export(context.Background(), f.stores(), "acme", "ann@example.test"); err != nil || len(ex.Events) != 3 {
		t.Fatalf("after a refused erasure: %+v, %v", ex, err)
	}
}

var _ Outbox = outboxOnDB{}
