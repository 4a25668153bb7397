package admin

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"sluice/fleet"
	"sluice/internal/clock"
	"sluice/tracking/events"
)

// TestCountedStatsSource: a store with no tenants directory publishes
// every tenant it has counted, totals and campaigns, in the admin API's
// JSON, and a tenant counted after the first publication is in the next.
func TestCountedStatsSource(t *testing.T) {
	t.Parallel()
	now := clock.Now()
	ev, err := events.Open(filepath.Join(t.TempDir(), "events.db"), events.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close(t.Context())
	id := uint64(now.Add(-time.Hour).UnixMicro())
	record := func(es ...events.Event) {
		t.Helper()
		for _, e := range es {
			if !ev.Record(e) {
				t.Fatal("dropped")
			}
		}
	}
	src := CountedStatsSource(ev)
	// publish waits for the store's writer to have counted n fields.
	publish := func(n int) map[string][]byte {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, err := src(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) >= n || time.Now().After(deadline) {
				return got
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	record(events.Event{Time: now, Kind: events.KindSent, Tenant: "acme", Campaign: "spring", Message: id, Rcpt: 1},
		events.Event{Time: now, Kind: events.KindClick, Tenant: "acme", Campaign: "spring", Message: id, Rcpt: 1, Link: 1},
		events.Event{Time: now, Kind: events.KindOpen, Tenant: "zeta", Message: id + 1, Rcpt: 1})
	got := publish(3)
	if len(got) != 3 {
		t.Fatalf("fields %q, want acme's totals and campaign and zeta's totals", keys(got))
	}
	var acme TenantStats
	if err := json.Unmarshal(got[fleet.StatsField("acme", "")], &acme); err != nil {
		t.Fatal(err)
	}
	if acme.Tenant != "acme" || acme.Clicks != 1 || len(acme.Campaigns) != 1 || acme.Campaigns[0] != "spring" {
		t.Errorf("acme's totals: %+v", acme)
	}
	var spring TenantStats
	if err := json.Unmarshal(got[fleet.StatsField("acme", "spring")], &spring); err != nil || spring.Clicks != 1 {
		t.Errorf("acme's spring campaign: %+v, %v", spring, err)
	}
	record(events.Event{Time: now, Kind: events.KindOpen, Tenant: "late", Message: id + 2, Rcpt: 1})
	if got := publish(4); got[fleet.StatsField("late", "")] == nil {
		t.Errorf("a tenant counted after the start is not published: %q", keys(got))
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
