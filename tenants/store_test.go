package tenants

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 63)
	for _, tc := range []struct {
		in, want string
	}{
		{"Example.COM", "example.com"},
		{"example.com.", "example.com"},
		{"mail.bücher.example", "mail.xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{long + ".example", long + ".example"},
		{"", ""},
		{"com", ""},
		{"*.example.com", ""},
		{"a_b.example.com", ""},
		{"-a.example.com", ""},
		{"a-.example.com", ""},
		{"a..example.com", ""},
		{long + "a.example", ""},
		{strings.Repeat("abcdefghi.", 26) + "com", ""}, // 263 octets
		{"user@example.com", ""},
		{"[192.0.2.1]", ""},
		{"192.0.2.1", ""},
		{"exa mple.com", ""},
		{"example.com/x", ""},
	} {
		got, err := NormalizeDomain(tc.in)
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("NormalizeDomain(%q) = %q, %v; want ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestTenantsAndValidation(t *testing.T) {
	t.Parallel()
	s := openStore(t, Seed{Name: "legacy", Domains: []string{"legacy.example"}})
	if m := fileMode(t, s.opts.Path); m != 0o600 {
		t.Fatalf("store file mode %o, want 600", m)
	}
	mustCreate(t, s, "acme")
	mustCreate(t, s, "other")
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"duplicate name", func() error { _, err := s.CreateTenant("op", Tenant{Name: "acme"}); return err }, ErrExists},
		{"seed name", func() error { _, err := s.CreateTenant("op", Tenant{Name: "legacy"}); return err }, ErrExists},
		{"bad name", func() error { _, err := s.CreateTenant("op", Tenant{Name: "Acme Inc"}); return err }, ErrInvalid},
		{"update seed", func() error { _, err := s.UpdateTenant("op", "legacy", Update{}); return err }, ErrSeed},
		{"update missing", func() error { _, err := s.UpdateTenant("op", "nobody", Update{}); return err }, ErrNotFound},
		{"domain of missing tenant", func() error { _, _, err := s.AddDomain("op", "nobody", "n.example"); return err }, ErrNotFound},
		{"malformed domain", func() error { _, _, err := s.AddDomain("op", "acme", "*.acme.example"); return err }, ErrInvalid},
		{"seed's domain", func() error { _, _, err := s.AddDomain("op", "acme", "LEGACY.example"); return err }, ErrClaimed},
		{"inside seed's domain", func() error { _, _, err := s.AddDomain("op", "acme", "m.legacy.example"); return err }, ErrClaimed},
		{"revoke unknown", func() error { return s.RevokeCredential("op", "acme", "acme.zzzz") }, ErrNotFound},
	} {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	if _, _, err := s.AddDomain("op", "acme", "acme.example"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tenant, domain string
		want           error
	}{
		{"acme", "acme.example", ErrExists},
		{"other", "acme.example", ErrClaimed},
		{"other", "mail.acme.example", ErrClaimed},
		{"other", "example", ErrInvalid},
	} {
		before, _ := s.Revision()
		if _, _, err := s.AddDomain("op", tc.tenant, tc.domain); !errors.Is(err, tc.want) {
			t.Errorf("AddDomain(%s, %s): %v, want %v", tc.tenant, tc.domain, err, tc.want)
		}
		// Nothing half-created: no domain, no audit entry, same revision.
		after, _ := s.Revision()
		if after != before {
			t.Errorf("AddDomain(%s, %s) failed but changed the revision %d → %d", tc.tenant, tc.domain, before, after)
		}
	}
	if ds, _ := s.Domains("other"); len(ds) != 0 {
		t.Fatalf("other has domains %v", ds)
	}
	// The owner may add a subdomain of its own.
	if _, _, err := s.AddDomain("op", "acme", "news.acme.example"); err != nil {
		t.Fatal(err)
	}

	list, err := s.Tenants()
	if err != nil || len(list) != 3 || list[0].Name != "acme" || !list[1].Seed || list[1].Name != "legacy" {
		t.Fatalf("Tenants() = %+v, %v", list, err)
	}
	audit, _ := s.Audit("acme")
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if got := strings.Join(actions, ","); got != "test:tenant.create,op:domain.add,op:domain.add" {
		t.Fatalf("audit %s", got)
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	mustCreate(t, s, "acme")
	mustCreate(t, s, "acme-2") // its credentials must not be listed as acme's
	c1, secret, err := s.AddCredential("op", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c1.ID, "acme.") || len(secret) < 32 || c1.Hash != "" {
		t.Fatalf("credential %+v secret %q", c1, secret)
	}
	c2, _, _ := s.AddCredential("op", "acme")
	if _, _, err := s.AddCredential("op", "acme-2"); err != nil {
		t.Fatal(err)
	}
	l, ok, err := s.Lookup(c1.ID)
	if err != nil || !ok || l.Tenant.Name != "acme" || l.Credential.Hash == "" {
		t.Fatalf("Lookup = %+v %v %v", l, ok, err)
	}
	if err := s.RevokeCredential("op", "acme", c1.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Lookup(c1.ID); ok {
		t.Fatal("revoked credential still found")
	}
	if err := s.RevokeCredential("op", "acme", c1.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
	if err := s.RevokeCredential("op", "acme-2", c2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke through another tenant: %v", err)
	}
	creds, _ := s.Credentials("acme")
	if len(creds) != 2 || creds[0].Hash != "" {
		t.Fatalf("Credentials = %+v", creds)
	}
	yes := true
	if _, err := s.UpdateTenant("op", "acme", Update{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Lookup(c2.ID); ok {
		t.Fatal("credential of a disabled tenant still found")
	}
	audit, _ := s.Audit("acme")
	if last := audit[len(audit)-1]; last.Action != "tenant.disable" || last.Detail != "disabled=true" {
		t.Fatalf("last audit %+v", last)
	}
}
