package fleet

import (
	"context"
	"path/filepath"
	"sync"
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

// A change made while Redis is down survives a restart of its node before
// Redis returns: the new process pushes it (it was not yet in the fleet)
// rather than importing the older bundle over it. Before, the mark lived
// in memory only: the restarted node imported Redis's copy and a revoked
// credential authenticated again, everywhere.
func TestTenantChangeSurvivesRestartBeforePush(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{Persistent: true})
	path := filepath.Join(t.TempDir(), "tenants.db")
	a := openTenantNode(t, srv, "node-a", path)
	b := startTenantNode(t, srv, "node-b")
	if _, err := a.st.CreateTenant("op", tenants.Tenant{Name: "shop"}); err != nil {
		t.Fatal(err)
	}
	cred, _, err := a.st.AddCredential("op", "shop")
	if err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "credential reaches b", func() bool {
		_, ok, err := b.st.Lookup(cred.ID)
		return err == nil && ok
	})
	if _, err := srv.Do(t.Context(), "SAVE"); err != nil {
		t.Fatal(err)
	}

	srv.Kill()
	if err := a.st.RevokeCredential("op", "shop", cred.ID); err != nil {
		t.Fatal(err)
	}
	within(t, 2*time.Second, "the revocation is pending", func() bool { return a.sync.Stats().Pending == 1 })
	a.stop() // the node stops (or dies) before Redis returns
	srv.Restart()
	a = openTenantNode(t, srv, "node-a", path)
	within(t, 3*time.Second, "the revocation reaches b", func() bool {
		_, ok, err := b.st.Lookup(cred.ID)
		return err == nil && !ok
	})
	if _, ok, err := a.st.Lookup(cred.ID); err != nil || ok {
		t.Fatalf("the revoked credential is back on a (ok %v, err %v)", ok, err)
	}
}

// restartableNode is a tenantNode whose store file outlives it.
type restartableNode struct {
	*tenantNode
	stop func()
}

func openTenantNode(t *testing.T, srv *redistest.Server, id, path string) *restartableNode {
	t.Helper()
	st, err := tenants.Open(tenants.Options{Path: path, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n := &restartableNode{tenantNode: &tenantNode{st: st, sync: c.Tenants(st, TenantSyncOptions{Poll: 20 * time.Millisecond})}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.sync.Run(ctx) }()
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node %s: Run: %v", id, err)
			}
			c.Close()
			st.Close()
		})
	}
	t.Cleanup(n.stop)
	return n
}

// TestPullRefusesBundleUnderAnotherName: a bundle stored in Redis under
// one tenant's field but naming another tenant (a rogue or broken writer)
// is not imported: the entry of "shop" must not replace "rival".
func TestPullRefusesBundleUnderAnotherName(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := startTenantNode(t, srv, "node-a")
	b := startTenantNode(t, srv, "node-b")
	for _, name := range []string{"shop", "rival"} {
		if _, err := a.st.CreateTenant("op", tenants.Tenant{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	within(t, 2*time.Second, "both tenants reach b", func() bool {
		_, e1 := b.st.Tenant("shop")
		_, e2 := b.st.Tenant("rival")
		return e1 == nil && e2 == nil
	})
	// The forger's bundle: tenant "rival" as the forger wants it.
	forger, err := tenants.Open(tenants.Options{Path: filepath.Join(t.TempDir(), "forger.db"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	if _, err := forger.CreateTenant("evil", tenants.Tenant{Name: "rival", TrackingHost: "t.evil.example"}); err != nil {
		t.Fatal(err)
	}
	forged, err := forger.ExportTenant("rival")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, cmd := range [][]string{
		{"HSET", "sluice:tenants", "shop", string(forged)},
		{"HSET", "sluice:tenants:ver", "shop", "forged"},
		{"INCR", "sluice:tenants:rev"},
	} {
		if _, err := srv.Do(ctx, cmd...); err != nil {
			t.Fatal(err)
		}
	}
	within(t, 2*time.Second, "b read the forged entry", func() bool {
		b.sync.mu.Lock()
		defer b.sync.mu.Unlock()
		return b.sync.known["shop"] == "forged"
	})
	if rv, err := b.st.Tenant("rival"); err != nil || rv.TrackingHost != "" {
		t.Fatalf("rival on b after the forged entry: %+v, %v", rv, err)
	}
}
