package queue

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFleetOutboxInSuppressionTx: in fleet mode every local suppression
// write (Suppress, SuppressMany, Unsuppress, RecordSoftFailure reaching
// its threshold) leaves its change in the fleet outbox in the same
// transaction, so a crash between the two cannot lose the push; changes
// applied from the fleet never enter it (no echo); off, nothing does.
func TestFleetOutboxInSuppressionTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "spool.db")
	clk := newClock()
	st := openStore(t, path, clk, Options{})
	if err := st.Suppress(ctx, Suppression{Tenant: "acme", Addr: "before@x.example"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.FleetOutboxDepth(); n != 0 {
		t.Fatalf("outbox off: %d changes", n)
	}
	if err := st.SetFleetOutbox(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := st.Suppress(ctx, Suppression{Tenant: "acme", Addr: "Kim@X.example", Scope: ScopeMarketing, Reason: "unsubscribe"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Unsuppress(ctx, "acme", "before@x.example"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := st.RecordSoftFailure(ctx, "acme", "full@x.example", "soft_mailbox_full", "", 2, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ApplyFleetSuppressions(ctx, []Suppression{{Tenant: "acme", Addr: "remote@x.example"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyFleetLift(ctx, "acme", "remote2@x.example"); err != nil {
		t.Fatal(err)
	}
	// A crash right after the writes: the outbox is in the file.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, path, clk, Options{})
	got, err := st.FleetOutbox(100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		lift  bool
		addr  string
		scope Scope
	}{{false, "kim@x.example", ScopeMarketing}, {true, "before@x.example", ScopeAll}, {false, "full@x.example", ScopeAll}}
	if len(got) != len(want) {
		t.Fatalf("outbox: %+v, want %d changes", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Lift != w.lift || g.Suppression.Addr != w.addr || g.Suppression.Tenant != "acme" || !w.lift && g.Suppression.Scope != w.scope {
			t.Errorf("change %d: %+v, want %+v", i, g, w)
		}
	}
	if _, ok := st.Suppressed("acme", "remote@x.example"); !ok {
		t.Fatal("a change from the fleet was not applied locally")
	}
	if err := st.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Suppress(ctx, Suppression{Tenant: "acme", Addr: "after@x.example"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.FleetOutboxDepth(); n != 3 {
		t.Fatalf("outbox switched off still grows: %d", n)
	}
}

// TestFleetSuppressionAfterErasureStaysHashed: a node erases an address it
// held no suppression of, then the fleet hands it that address's
// suppression in clear (its replicator read the entry from Redis just
// before the erasure's request deleted it there). The spool keeps it by
// its hash only: suppressed, never stored in clear again, and restarting
// keeps both. A later local suppression of the address (new data) is
// unaffected by the rule.
func TestFleetSuppressionAfterErasureStaysHashed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "spool.db")
	clk := newClock()
	st := openStore(t, path, clk, Options{})
	const addr = "Erased@X.example"
	sub, err := st.FindSubject(ctx, "acme", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EraseSubject(ctx, sub); err != nil {
		t.Fatal(err)
	}
	late := Suppression{Tenant: "acme", Addr: addr, Scope: ScopeMarketing, Reason: "unsubscribe", Source: "edge",
		Detail: "unsubscribed " + addr}
	if err := st.ApplyFleetSuppressions(ctx, []Suppression{late, {Tenant: "acme", Addr: "other@x.example"}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		all, err := st.ListSuppressions("acme", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range all {
			if strings.Contains(s.Addr, "erased") || strings.Contains(s.Detail, "erased") {
				t.Errorf("%s: the erased address is stored in clear: %+v", when, s)
			}
		}
		got, ok := st.Suppressed("acme", addr)
		if !ok || !got.Hashed || got.Scope != ScopeMarketing || got.Reason != "unsubscribe" {
			t.Errorf("%s: Suppressed = %+v, %v; want the hashed marketing unsubscribe", when, got, ok)
		}
		if _, ok := st.Suppressed("acme", "other@x.example"); !ok {
			t.Errorf("%s: another address from the fleet was not applied", when)
		}
	}
	check("after the late fleet suppression")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, path, clk, Options{})
	check("after a restart")
	if err := st.ApplyFleetSuppressions(ctx, []Suppression{{Tenant: "acme", Addr: addr, Reason: "complaint"}}); err != nil {
		t.Fatal(err)
	}
	if got, ok := st.Suppressed("acme", addr); !ok || !got.Hashed || got.Scope != ScopeAll {
		t.Errorf("widening from the fleet: %+v, %v; want the hashed entry widened to all", got, ok)
	}
}
