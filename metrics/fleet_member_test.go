package metrics

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/fleet"
	"sluice/fleet/redistest"
	"sluice/queue"
)

// TestRegisterMember: a fleet member's Redis health and counters reach
// the sluice_fleet_ metrics at scrape time: up with Redis, down once it
// is gone (the next call fails), with the failure counted.
func TestRegisterMember(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	log := slog.New(slog.DiscardHandler)
	spool, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spool.Close() })
	fm, err := fleet.Join(t.Context(), spool, fleet.MemberOptions{URL: srv.URL(), NodeID: "a", DataDir: t.TempDir(),
		LeaseTTL: 15 * time.Second, Version: "test", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fm.Close)
	m := New()
	m.RegisterMember(fm)
	wantLines(t, scrape(t, m), `sluice_fleet_redis_up 1`, `sluice_fleet_redis_errors_total 0`, `sluice_fleet_outbox_depth 0`)
	srv.Kill()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := fm.Client.Live(ctx); err == nil {
		t.Fatal("Live with Redis gone: no error")
	}
	out := scrape(t, m)
	wantLines(t, out, `sluice_fleet_redis_up 0`)
	if strings.Contains(out, "sluice_fleet_redis_errors_total 0\n") {
		t.Errorf("the failed call is not counted:\n%s", out)
	}
}
