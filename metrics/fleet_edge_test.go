package metrics

import (
	"log/slog"
	"path/filepath"
	"testing"

	"sluice/fleet"
	"sluice/fleet/redistest"
	"sluice/queue"
)

// TestRegisterEdgeMember: a standalone edge's fleet member reaches the
// sluice_fleet_ metrics at scrape time, its outbox depth counting the
// unsubscribes not yet in Redis.
func TestRegisterEdgeMember(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	log := slog.New(slog.DiscardHandler)
	spool, err := queue.Open(filepath.Join(t.TempDir(), "edge-suppressions.db"), queue.Options{Logger: log, InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spool.Close() })
	fm, err := fleet.JoinEdge(t.Context(), spool, fleet.MemberOptions{URL: srv.URL(), DataDir: t.TempDir(),
		StreamMaxLen: 1000, Version: "test", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fm.Close)
	m := New()
	m.RegisterEdgeMember(fm)
	wantLines(t, scrape(t, m), `sluice_fleet_redis_up 1`, `sluice_fleet_outbox_depth 0`)
	// Taken while Redis is gone (as the edge takes it): the unsubscribe
	// waits in the outbox.
	srv.Kill()
	if err := fm.Suppressions().Suppress(t.Context(), queue.Suppression{Tenant: "acme", Addr: "out@example.net", Reason: "unsubscribe"}); err != nil {
		t.Fatal(err)
	}
	wantLines(t, scrape(t, m), `sluice_fleet_outbox_depth 1`)
}
