package tenants

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// bundleOf exports tenant name from s as a decoded bundle, to be edited
// into a hostile one.
func bundleOf(t *testing.T, s *Store, name string) bundle {
	t.Helper()
	raw, err := s.ExportTenant(name)
	if err != nil {
		t.Fatal(err)
	}
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// A bundle from Redis is refused when it claims what the local operations
// refuse: a domain inside or above another tenant's or a seed's, another
// tenant's tracking host or a host inside their domain, a domain holding
// another tenant's tracking host, a tracking host that is the edge's own,
// credentials not shaped as AddCredential makes them (control bytes, ':'),
// or more than MaxBundle bytes. Nothing is imported then: the victim
// keeps its domains and host, and the bundle's tenant does not appear.
// The same domain passes over (two nodes' simultaneous claims: the later
// bundle wins), as before.
func TestImportRefusesClaimsOnOthers(t *testing.T) {
	t.Parallel()
	src := openStore(t)
	mustCreate(t, src, "rogue")
	if _, _, err := src.AddDomain("op", "rogue", "rogue.example"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.AddCredential("op", "rogue"); err != nil {
		t.Fatal(err)
	}
	base := bundleOf(t, src, "rogue")

	dst := openStore(t, Seed{Name: "legacy", Domains: []string{"legacy.example"}})
	if _, err := dst.CreateTenant("op", Tenant{Name: "victim", TrackingHost: "t.victim-links.example"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := dst.AddDomain("op", "victim", "victim.example"); err != nil {
		t.Fatal(err)
	}
	withDomain := func(b bundle, name string) bundle {
		d := b.Domains[0]
		d.Name = name
		b.Domains = append([]Domain{d}, b.Domains[1:]...)
		return b
	}
	for _, tc := range []struct {
		name string
		edit func(b bundle) bundle
		want error
	}{
		{"subdomain of the victim's", func(b bundle) bundle { return withDomain(b, "news.victim.example") }, ErrClaimed},
		{"parent of a seed's", func(b bundle) bundle { return withDomain(b, "legacy.example") }, ErrClaimed},
		{"inside a seed's", func(b bundle) bundle { return withDomain(b, "mail.legacy.example") }, ErrClaimed},
		{"holds the victim's tracking host", func(b bundle) bundle { return withDomain(b, "victim-links.example") }, ErrClaimed},
		{"the victim's tracking host", func(b bundle) bundle { b.Tenant.TrackingHost = "t.victim-links.example"; return b }, ErrClaimed},
		{"host inside the victim's domain", func(b bundle) bundle { b.Tenant.TrackingHost = "x.victim.example"; return b }, ErrClaimed},
		{"host not canonical", func(b bundle) bundle { b.Tenant.TrackingHost = "T.Rogue.Example"; return b }, ErrInvalid},
		{"host with a control byte", func(b bundle) bundle { b.Tenant.TrackingHost = "t.rogue\x01.example"; return b }, ErrInvalid},
		{"credential with ':'", func(b bundle) bundle { b.Credentials[0].ID = "rogue.ab:defgh"; return b }, ErrInvalid},
		{"credential with NUL", func(b bundle) bundle { b.Credentials[0].ID = "rogue.abcdefg\x00"; return b }, ErrInvalid},
		{"pool with a newline", func(b bundle) bundle { b.Tenant.Pools = []string{"a\nb"}; return b }, ErrInvalid},
		{"oversized", func(b bundle) bundle {
			b.Audit = append(b.Audit, AuditEntry{Detail: strings.Repeat("x", MaxBundle)})
			return b
		}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.edit(bundleOf(t, src, "rogue"))
			raw, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dst.ImportTenant(raw); !errors.Is(err, tc.want) {
				t.Fatalf("import: %v, want %v", err, tc.want)
			}
			if _, err := dst.Tenant("rogue"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("refused bundle's tenant exists: %v", err)
			}
			if d, err := dst.Domain("victim.example"); err != nil || d.Tenant != "victim" {
				t.Fatalf("victim's domain: %+v, %v", d, err)
			}
			if h, _ := dst.TrackingHosts(); h["t.victim-links.example"] != "victim" || len(h) != 1 {
				t.Fatalf("hosts: %v", h)
			}
		})
	}
	// The untouched bundle imports.
	raw, _ := json.Marshal(base)
	if changed, err := dst.ImportTenant(raw); err != nil || !changed {
		t.Fatalf("clean bundle: %v, %v", changed, err)
	}
}

// Locally, a domain that holds another tenant's tracking host is refused
// (the other direction, a host inside another's domain, was already).
func TestAddDomainRefusesOthersTrackingHost(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	if _, err := s.CreateTenant("op", Tenant{Name: "victim", TrackingHost: "t.links.example"}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "rogue")
	for _, d := range []string{"links.example", "t.links.example"} {
		if _, _, err := s.AddDomain("op", "rogue", d); !errors.Is(err, ErrClaimed) {
			t.Errorf("AddDomain(%s): %v, want ErrClaimed", d, err)
		}
	}
	if _, _, err := s.AddDomain("op", "victim", "links.example"); err != nil {
		t.Fatalf("the host's own tenant: %v", err)
	}
	if _, err := s.CreateTenant("op", Tenant{Name: "grab", TrackingHost: "edge.esp.test"}); !errors.Is(err, ErrClaimed) {
		t.Errorf("tenant host = the edge's own host: %v", err)
	}
}
