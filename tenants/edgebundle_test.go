package tenants

import (
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestEdgeHostBundleStillSyncs: a tenant stored with a tracking host that
// is another node's edge host (made before EdgeHosts existed, or on a node
// with other edge hosts) still syncs there: its later changes, such as a
// disable, must reach every node (review8 of 2ccf38c). The host is left
// out of what that node's edge serves.
func TestEdgeHostBundleStillSyncs(t *testing.T) {
	t.Parallel()
	a, err := Open(Options{Path: filepath.Join(t.TempDir(), "a.db"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(Options{Path: filepath.Join(t.TempDir(), "b.db"), BcryptCost: bcrypt.MinCost,
		EdgeHosts: []string{"t.esp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.CreateTenant("op", Tenant{Name: "rogue", TrackingHost: "t.esp.example"}); err != nil {
		t.Fatal(err)
	}
	dis := true
	if _, err := a.UpdateTenant("op", "rogue", Update{Disabled: &dis}); err != nil {
		t.Fatal(err)
	}
	raw, err := a.ExportTenant("rogue")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportTenant(raw); err != nil {
		t.Fatalf("the node whose edge host it is refuses rogue's bundle (its disable never arrives): %v", err)
	}
	if got, err := b.Tenant("rogue"); err != nil || !got.Disabled {
		t.Fatalf("rogue on node b: %+v, %v; want disabled", got, err)
	}
	hosts, err := b.TrackingHosts()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hosts["t.esp.example"]; ok {
		t.Fatalf("node b's edge serves its own host as rogue's: %v", hosts)
	}
	// Made on b itself, the same host is still refused.
	if _, err := b.CreateTenant("op", Tenant{Name: "other", TrackingHost: "t.esp.example"}); err == nil {
		t.Fatal("a tenant took the edge's own host on the node that serves it")
	}
}
