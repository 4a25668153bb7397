package fleet

import (
	"strings"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
)

// TestReplicatedAfterErasureStaysHashed: node b applies an erasure of an
// address it held no suppression of while the fleet's log still holds
// node a's suppression of it (b's replicator read the entry just before
// the erasure's request deleted it from Redis: here, b's replicator
// starts only after the erasure). b keeps the address suppressed by its
// hash and never stores it in clear again.
func TestReplicatedAfterErasureStaysHashed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	ctx := t.Context()
	const addr = "erased@x.example"
	waitFor(t, 5*time.Second, "a ready", func() bool { return *a.r.epoch.Load() != "" })
	a.suppress(t, supp("acme", addr, queue.ScopeAll), supp("acme", "kept@x.example", queue.ScopeAll))
	waitFor(t, 2*time.Second, "a's suppressions in the log", func() bool {
		n, _ := srv.Do(ctx, "XLEN", "sluice:supp:log")
		return n == "2"
	})
	sub, err := b.store.FindSubject(ctx, "acme", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.EraseSubject(ctx, sub); err != nil {
		t.Fatal(err)
	}
	b.run(t)
	waitFor(t, 5*time.Second, "a's other suppression at b", func() bool { return has(b, "acme", "kept@x.example", queue.ScopeAll) })
	got, ok := b.store.Suppressed("acme", addr)
	if !ok || !got.Hashed {
		t.Errorf("b: Suppressed(%s) = %+v, %v; want a hashed suppression", addr, got, ok)
	}
	all, err := b.store.ListSuppressions("acme", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if strings.Contains(s.Addr, "erased") {
			t.Errorf("b stores the erased address in clear again: %+v", s)
		}
	}
}
