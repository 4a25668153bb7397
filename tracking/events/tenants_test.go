package events

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestTenants: the tenants with counters, each once, sorted, campaigns
// and links included in their tenant's.
func TestTenants(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(t.TempDir(), "events.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if got, err := s.Tenants(); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %q, %v", got, err)
	}
	id := uint64(now.Add(-time.Hour).UnixMicro())
	for _, ev := range []Event{
		{Time: now, Kind: KindClick, Tenant: "zeta", Message: id, Rcpt: 1, Link: 2},
		{Time: now, Kind: KindOpen, Tenant: "acme", Campaign: "spring", Message: id + 1, Rcpt: 1},
		{Time: now, Kind: KindClick, Tenant: "acme", Campaign: "spring", Message: id + 1, Rcpt: 1, Link: 1},
		{Time: now, Kind: KindOpen, Tenant: "acme-eu", Message: id + 2, Rcpt: 1},
	} {
		if !s.Record(ev) {
			t.Fatal("dropped")
		}
	}
	want := []string{"acme", "acme-eu", "zeta"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := s.Tenants()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Tenants = %q, want %q", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
