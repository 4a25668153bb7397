package fleet

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/fleet/redistest"
	"sluice/tenants"
)

// tenantNode is one node's tenants store replicated through srv.
type tenantNode struct {
	st   *tenants.Store
	sync *TenantSync
}

func startTenantNode(t *testing.T, srv *redistest.Server, id string) *tenantNode {
	t.Helper()
	st, err := tenants.Open(tenants.Options{Path: filepath.Join(t.TempDir(), "tenants.db"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n := &tenantNode{st: st, sync: c.Tenants(st, TenantSyncOptions{Poll: 20 * time.Millisecond})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.sync.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node %s: Run: %v", id, err)
		}
		c.Close()
		st.Close()
	})
	return n
}

// within waits up to d for ok, failing with what.
func within(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two nodes sharing Redis: a tenant, its credential and its domain made
// on one authenticate on the other within a second; a revocation and a
// disable on the second reach the first; the audit trail travels; a
// change made while Redis is down is pushed when it returns, and an
// emptied Redis is re-seeded by the nodes.
func TestTenantsAcrossNodes(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := startTenantNode(t, srv, "node-a")
	b := startTenantNode(t, srv, "node-b")

	if _, err := a.st.CreateTenant("op", tenants.Tenant{Name: "shop", TrackingHost: "t.shop.example"}); err != nil {
		t.Fatal(err)
	}
	cred, _, err := a.st.AddCredential("op", "shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.st.AddDomain("op", "shop", "shop.example"); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "credential made on a authenticates on b", func() bool {
		l, ok, err := b.st.Lookup(cred.ID)
		return err == nil && ok && len(l.Domains) == 1 && len(l.Domains[0].Keys) == 2 && l.Tenant.TrackingHost == "t.shop.example"
	})
	if hosts, _ := b.st.TrackingHosts(); hosts["t.shop.example"] != "shop" {
		t.Fatalf("tracking hosts on b: %v", hosts)
	}
	// b changes it; a follows.
	if err := b.st.RevokeCredential("op2", "shop", cred.ID); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "revocation on b reaches a", func() bool {
		_, ok, err := a.st.Lookup(cred.ID)
		return err == nil && !ok
	})
	audit, _ := a.st.Audit("shop")
	if len(audit) != 4 || audit[3].Action != "credential.revoke" || audit[3].Actor != "op2" {
		t.Fatalf("audit on a: %+v", audit)
	}
	// The same data both sides: identical bundles.
	ea, _ := a.st.ExportTenant("shop")
	eb, _ := b.st.ExportTenant("shop")
	if string(ea) != string(eb) {
		t.Fatalf("nodes differ:\n%s\n%s", ea, eb)
	}

	// Redis down: a's change waits, then goes.
	srv.Kill()
	if _, err := a.st.CreateTenant("op", tenants.Tenant{Name: "late"}); err != nil {
		t.Fatal(err)
	}
	within(t, 2*time.Second, "the change is pending", func() bool { return a.sync.Stats().Pending == 1 })
	srv.RestartEmpty()
	within(t, 3*time.Second, "a tenant made while Redis was down reaches b", func() bool {
		_, err := b.st.Tenant("late")
		return err == nil
	})
	// The emptied Redis was re-seeded with shop too.
	within(t, 3*time.Second, "re-seeded", func() bool {
		n, err := srv.Do(context.Background(), "HLEN", "sluice:tenants")
		return err == nil && n == "2"
	})
	if s := b.sync.Stats(); s.Imported < 2 {
		t.Fatalf("b imported %d", s.Imported)
	}
}

// A bundle that does not decode, names a seed, or carries a credential
// or domain of another tenant is refused, and changes nothing.
func TestImportTenantRefusesBadBundles(t *testing.T) {
	t.Parallel()
	st, err := tenants.Open(tenants.Options{Path: filepath.Join(t.TempDir(), "tenants.db"), BcryptCost: bcrypt.MinCost,
		Seeds: []tenants.Seed{{Name: "legacy"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, raw := range []string{
		`not json`,
		`{"tenant":{"name":"legacy"}}`,
		`{"tenant":{"name":"Bad Name"}}`,
		`{"tenant":{"name":"x"},"credentials":[{"id":"other.abc","tenant":"other"}]}`,
		`{"tenant":{"name":"x"},"domains":[{"name":"x.example","tenant":"other"}]}`,
		`{"tenant":{"name":"x"},"domains":[{"name":"*.x.example","tenant":"x"}]}`,
	} {
		if changed, err := st.ImportTenant([]byte(raw)); err == nil || changed {
			t.Errorf("ImportTenant(%s) = %v, %v", raw, changed, err)
		}
	}
	if names, _ := st.StoredTenants(); len(names) != 0 {
		t.Fatalf("stored after refusals: %v", names)
	}
}
