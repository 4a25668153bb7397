package ctl

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/admin"
	"sluice/mta/mx/dnstest"
	"sluice/tenants"
)

// withTenants gives the node a tenants store (seed "acme" from the
// config) verifying through dns.
func withTenants(t *testing.T, dns *dnstest.Server) func(*admin.Config) {
	return func(c *admin.Config) {
		st, err := tenants.Open(tenants.Options{Path: filepath.Join(t.TempDir(), "tenants.db"),
			Seeds: []tenants.Seed{{Name: "acme", Domains: []string{"acme.example"}}}, BcryptCost: bcrypt.MinCost,
			Resolver: &tenants.DNSResolver{Servers: []string{dns.Addr()}, Timeout: 2 * time.Second}, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c.TenantStore = st
	}
}

// Onboarding through ctl: a tenant, a credential shown once, a domain
// with its records, verification failing then passing once they are in
// DNS, the audit trail in `tenant show`; and every bad input a clear
// error with nothing half-created.
func TestTenantAndDomainCommands(t *testing.T) {
	t.Parallel()
	dns := dnstest.NewServer(t)
	n := newNode(t, withTenants(t, dns))

	if out := n.ok("tenant", "create", "shop", "--display-name", "Shop Inc", "--pools", "p1,p2"); !strings.Contains(out, "tenant shop:") {
		t.Fatalf("create: %s", out)
	}
	if out := n.ok("tenant", "list"); !strings.Contains(out, "acme") || !strings.Contains(out, "config") || !strings.Contains(out, "shop") {
		t.Fatalf("list: %s", out)
	}
	out := n.ok("tenant", "credential", "add", "shop")
	if !strings.Contains(out, "username: shop.") || !strings.Contains(out, "secret: ") {
		t.Fatalf("credential add: %s", out)
	}
	user := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "username: ", 2)[1], "\n", 2)[0])

	var added admin.DomainRecords
	if err := json.Unmarshal([]byte(n.ok("domain", "add", "--tenant", "shop", "Shop.Example", "--json")), &added); err != nil {
		t.Fatal(err)
	}
	if added.Domain.State != tenants.Pending || len(added.Records) != 3 {
		t.Fatalf("domain add: %+v", added)
	}
	for _, k := range added.Domain.Keys {
		if len(k.Private) != 0 {
			t.Fatal("the API showed a private key")
		}
	}
	code, out, _ := n.ctl("domain", "verify", "shop.example")
	if code != 1 || !strings.Contains(out, "no TXT record") || !strings.Contains(out, "shop.example: pending") {
		t.Fatalf("verify before publishing: exit %d: %s", code, out)
	}
	for _, r := range added.Records {
		dns.AddTXT(r.Name, r.Value)
	}
	if out := n.ok("domain", "verify", "shop.example"); !strings.Contains(out, "shop.example: verified") {
		t.Fatalf("verify: %s", out)
	}
	if out := n.ok("domain", "list", "--tenant", "shop"); !strings.Contains(out, "verified") {
		t.Fatalf("domain list: %s", out)
	}
	n.ok("tenant", "credential", "revoke", "shop", user)
	n.ok("tenant", "update", "shop", "--allow-unverified", "true")
	n.ok("tenant", "disable", "shop")
	out = n.ok("tenant", "show", "shop")
	for _, want := range []string{"disabled: true", "allow_unverified: true", user, "credential.revoke", "domain.verify", "tenant.disable", "ctl:"} {
		if !strings.Contains(out, want) {
			t.Fatalf("show lacks %q:\n%s", want, out)
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"tenant", "create", "shop"}, 1, "409 Conflict"},
		{[]string{"tenant", "create", "acme"}, 1, "already exists"},
		{[]string{"tenant", "create", "Bad Name"}, 1, "400 Bad Request"},
		{[]string{"tenant", "update", "acme", "--pools", "x"}, 1, "config file"},
		{[]string{"tenant", "create", "other"}, 0, ""},
		{[]string{"domain", "add", "--tenant", "other", "shop.example"}, 1, "claimed by another tenant"},
		{[]string{"domain", "add", "--tenant", "other", "x.acme.example"}, 1, "claimed by another tenant"},
		{[]string{"domain", "add", "--tenant", "other", "*.other.example"}, 1, "invalid"},
		{[]string{"domain", "add", "--tenant", "nobody", "n.example"}, 1, "404 Not Found"},
		{[]string{"tenant", "credential", "revoke", "shop", user}, 1, "404 Not Found"},
		{[]string{"domain", "verify", "unknown.example"}, 1, "no tenant has the domain"},
		{[]string{"domain", "add", "x.example"}, 2, ""},
		{[]string{"tenant", "credential", "add"}, 2, ""},
		{[]string{"tenant", "update", "shop", "--allow-unverified", "maybe"}, 2, ""},
	} {
		code, _, errs := n.ctl(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("ctl %v: exit %d %q, want %d %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
	if out := n.ok("domain", "list", "--tenant", "other"); strings.Contains(out, "example") {
		t.Fatalf("a refused domain was half-created: %s", out)
	}
	n.ok("domain", "remove", "shop.example")
	if out := n.ok("domain", "list"); strings.Contains(out, "shop.example") {
		t.Fatalf("removed domain listed: %s", out)
	}
}
