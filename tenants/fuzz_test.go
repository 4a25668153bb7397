package tenants

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// openFuzzStore opens one store for every input of a fuzz target.
func openFuzzStore(f *testing.F) *Store {
	f.Helper()
	s, err := Open(Options{Path: filepath.Join(f.TempDir(), "tenants.db"), BcryptCost: bcrypt.MinCost,
		Seeds: []Seed{{Name: "legacy", Domains: []string{"legacy.example"}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	return s
}

// FuzzNormalizeDomain: any input either fails with ErrInvalid or gives a
// lower-case ASCII name within the limits that normalises to itself.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"example.com", "bücher.example", "*.x.y", "a..b", "xn--a.example", strings.Repeat("a.", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeDomain(in)
		if err != nil {
			return
		}
		if len(out) > 253 || strings.ToLower(out) != out || strings.ContainsAny(out, "*_@ ") {
			t.Fatalf("NormalizeDomain(%q) = %q", in, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] >= 0x80 {
				t.Fatalf("NormalizeDomain(%q) = %q: not ASCII", in, out)
			}
		}
		if again, err := NormalizeDomain(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}

// FuzzImportTenant: a bundle from Redis is hostile input. Any bytes are
// refused or imported; an imported tenant exports to a bundle that
// imports again as a no-op.
func FuzzImportTenant(f *testing.F) {
	for _, s := range []string{
		`{"tenant":{"name":"x"}}`,
		`{"tenant":{"name":"x","tracking_host":"t.x.example"},"credentials":[{"id":"x.abc","tenant":"x","hash":"h"}],` +
			`"domains":[{"name":"x.example","tenant":"x","state":"verified","keys":[{"algo":"rsa","selector":"s1","state":"next"}]}],` +
			`"audit":[{"actor":"op","action":"tenant.create"}]}`,
		`{"tenant":{"name":"legacy"}}`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	s := openFuzzStore(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, err := s.ImportTenant(raw); err != nil {
			return
		}
		var b bundle
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatalf("imported what does not decode: %v", err)
		}
		out, err := s.ExportTenant(b.Tenant.Name)
		if err != nil {
			t.Fatalf("export after import: %v", err)
		}
		if changed, err := s.ImportTenant(out); err != nil || changed {
			t.Fatalf("re-import of the export: changed=%v err=%v", changed, err)
		}
	})
}

// FuzzValidName: an accepted tenant name is 1 to 64 bytes of a-z, 0-9,
// '-' and '_' (not first): nothing that could split a credential id
// ('.'), a store key ('\x00') or a spool hold (':').
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"acme", "a-b_c", "-x", "a.b", "sluice:system", "A", "", strings.Repeat("a", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidName(name) != nil {
			return
		}
		if name == "" || len(name) > maxNameLen || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" ||
			name[0] == '-' || name[0] == '_' {
			t.Fatalf("ValidName accepted %q", name)
		}
		if !CredentialShape(name + ".abcdefgh") {
			t.Fatalf("a valid name's credential id %q is not claimed", name+".abcdefgh")
		}
	})
}
