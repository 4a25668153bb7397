package fleet

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/queue"
)

// joinMember opens a spool in a new directory and joins the fleet on srv
// as id, running the member until the test ends.
func joinMember(t *testing.T, srv *redistest.Server, id string) (*Member, *queue.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := queue.Open(filepath.Join(dir, "spool.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Join(t.Context(), st, MemberOptions{URL: srv.URL(), NodeID: id, DataDir: dir,
		LeaseTTL: 15 * time.Second, StreamMaxLen: 1000, Version: "test"})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("member %s: Run: %v", id, err)
		}
		m.Close()
		st.Close()
	})
	return m, st
}

// TestMemberJoin: a member's Suppressions push a write to the other
// nodes at once, and Status lists the live nodes from their heartbeats.
func TestMemberJoin(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a, _ := joinMember(t, srv, "a")
	_, bStore := joinMember(t, srv, "b")
	if err := a.Suppressions().Suppress(t.Context(), supp("acme", "kim@example.net", queue.ScopeAll)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b suppresses what a suppressed", func() bool {
		_, ok := bStore.Suppressed("acme", "kim@example.net")
		return ok
	})
	waitFor(t, 5*time.Second, "a sees two live nodes", func() bool {
		st := a.Status(t.Context())
		return st.Err == nil && st.NodeID == "a" && len(st.Nodes) == 2 && st.Client.Healthy
	})
}

// TestMemberAlone: a nil member (a node alone) runs and closes as a no-op,
// and a bad CA file stops Join before any connection.
func TestMemberAlone(t *testing.T) {
	t.Parallel()
	var m *Member
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	dir := t.TempDir()
	_, err := Join(t.Context(), nil, MemberOptions{URL: "rediss://127.0.0.1:1", DataDir: dir, TLSCA: filepath.Join(dir, "missing.pem")})
	if err == nil || !strings.Contains(err.Error(), "TLS CA") {
		t.Fatalf("missing CA: %v", err)
	}
}
