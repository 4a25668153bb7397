package fleet

import (
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
)

// TestStoreOutboxNoEcho: with the spool writing the outbox itself
// (queue.Store.SetFleetOutbox), a suppression and a lift reach the other
// node through Kick, and one written with no Kick at all through the
// replicator's poll; changes applied from the fleet never enter the
// receiving node's outbox, so nothing echoes back and forth.
func TestStoreOutboxNoEcho(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	now := clock.Now
	a, b := newNode(t, srv, "a", t.TempDir(), now), newNode(t, srv, "b", t.TempDir(), now)
	for _, n := range []*node{a, b} {
		if err := n.store.SetFleetOutbox(t.Context(), true); err != nil {
			t.Fatal(err)
		}
		n.run(t)
	}
	ctx := t.Context()
	if err := a.store.Suppress(ctx, supp("acme", "kicked@x.example", queue.ScopeAll)); err != nil {
		t.Fatal(err)
	}
	a.r.Kick(ctx)
	waitFor(t, 2*time.Second, "kicked suppression at b", func() bool {
		_, ok := b.store.Suppressed("acme", "kicked@x.example")
		return ok
	})
	// Written without a Kick (a writer that bypasses the decorator).
	if err := a.store.Suppress(ctx, supp("acme", "polled@x.example", queue.ScopeMarketing)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "polled suppression at b", func() bool {
		_, ok := b.store.Suppressed("acme", "polled@x.example")
		return ok
	})
	if _, err := a.store.Unsuppress(ctx, "acme", "kicked@x.example"); err != nil {
		t.Fatal(err)
	}
	a.r.Kick(ctx)
	waitFor(t, 2*time.Second, "lift at b", func() bool {
		_, ok := b.store.Suppressed("acme", "kicked@x.example")
		return !ok
	})
	if seq, _ := b.store.FleetOutboxSeq(); seq != 0 {
		t.Fatalf("b's outbox took %d changes applied from the fleet: they would echo", seq)
	}
	waitFor(t, 2*time.Second, "a's outbox pushed", func() bool { n, _ := a.store.FleetOutboxDepth(); return n == 0 })
	if n, _ := srv.Do(ctx, "XLEN", "sluice:supp:log"); n != "3" {
		t.Fatalf("change log holds %s entries, want 3 (no echo)", n)
	}
}
