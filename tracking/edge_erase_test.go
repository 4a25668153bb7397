package tracking_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
)

type fakeOutbox struct {
	tenant string
	ids    []events.RecipientID
}

func (o *fakeOutbox) EraseRecipients(_ context.Context, tenant string, ids []events.RecipientID) (int, error) {
	o.tenant, o.ids = tenant, append(o.ids, ids...)
	return len(ids), nil
}

// TestEdgeErasures: the ids a node erased go from the edge's events and
// its webhook outbox, and the stream's cursor survives a reopening of the
// events store.
func TestEdgeErasures(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	ev, err := events.Open(path, events.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ids := []events.RecipientID{{Message: 42, Rcpt: 0}, {Message: 42, Rcpt: 1}}
	for _, id := range ids {
		ev.Record(events.Event{Kind: events.KindClick, Tenant: "acme", Message: id.Message, Rcpt: id.Rcpt, Link: 1})
	}
	out := &fakeOutbox{}
	e := tracking.EdgeErasures{Events: ev, Outbox: out}
	if cur, err := e.ErasedCursor(); err != nil || cur != "" {
		t.Fatalf("fresh cursor %q, %v", cur, err)
	}
	n, err := e.EraseRecipients(t.Context(), "acme", []queue.RcptKey{{ID: 42, Index: 0}})
	if err != nil || n != 1 {
		t.Fatalf("erased %d, %v; want 1", n, err)
	}
	if out.tenant != "acme" || !slices.Equal(out.ids, ids[:1]) {
		t.Errorf("outbox erased %q %v", out.tenant, out.ids)
	}
	if left, err := ev.ExportRecipient(t.Context(), "acme", ids); err != nil || len(left) != 1 || left[0].Rcpt != 1 {
		t.Errorf("left %+v, %v; want recipient 1's click", left, err)
	}
	if err := e.SetErasedCursor(t.Context(), "1700000000000-3"); err != nil {
		t.Fatal(err)
	}
	if err := ev.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	ev, err = events.Open(path, events.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close(context.Background())
	if cur, err := (tracking.EdgeErasures{Events: ev}).ErasedCursor(); err != nil || cur != "1700000000000-3" {
		t.Errorf("cursor after reopening %q, %v", cur, err)
	}
}
