package configs

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/mta/submit"
)

// writeEd25519Key writes a PKCS #8 Ed25519 key file in dir.
func writeEd25519Key(t *testing.T, dir string) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "ed.key")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// countedSigner is a TimeSigner that counts what it wraps.
type countedSigner struct{ n int }

func (c *countedSigner) wrap(s submit.Signer) submit.Signer { c.n++; return s }

// TestBuildTenantsDevTenant: without [[tenant]] the development tenant
// is made in data_dir (its password printed once), on the default pool,
// unsigned and untracked; a second build finds the same tenant and does
// not print its password again.
func TestBuildTenantsDevTenant(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, "")
	var out bytes.Buffer
	var timed countedSigner
	d := TenantDeps{Out: &out, Logger: slog.New(slog.DiscardHandler), TimeSigner: timed.wrap}
	ts, cgoRSA, err := cfg.BuildTenants(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Username != "dev" || cgoRSA {
		t.Fatalf("tenants %+v, cgoRSA %v: want the development tenant", ts, cgoRSA)
	}
	if got := ts[0].Pools; len(got) != 1 || got[0] != cfg.Delivery.DefaultPool {
		t.Errorf("pools %q, want the default pool %q", got, cfg.Delivery.DefaultPool)
	}
	if ts[0].Signer != nil || ts[0].Tracker != nil || timed.n != 0 {
		t.Errorf("signer %v, tracker %v, timed %d: want none", ts[0].Signer, ts[0].Tracker, timed.n)
	}
	if !strings.Contains(out.String(), "(shown once)") {
		t.Errorf("first start printed %q, want the password", out.String())
	}
	out.Reset()
	again, _, err := cfg.BuildTenants(d)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].PasswordHash != ts[0].PasswordHash || strings.Contains(out.String(), "(shown once)") {
		t.Errorf("second build: same hash %v, printed %q", again[0].PasswordHash == ts[0].PasswordHash, out.String())
	}
}

// TestBuildTenantsConfigured: [[tenant]]s get their signer (timed), their
// tracker under tracking.base_url and their own pools or the default;
// under require_aligned = "all" even the tenant without any key gets a
// signer (the one that refuses its mail).
func TestBuildTenantsConfigured(t *testing.T) {
	t.Parallel()
	key := writeEd25519Key(t, t.TempDir())
	text := `
[tracking]
base_url = "https://t.example"
[[dkim.key]]
domain = "acme.example"
selector = "s1"
file = "` + key + `"
[[tenant]]
name = "acme"
password_hash = "` + mappingHash + `"
sender_domains = ["acme.example"]
[[tenant]]
name = "bare"
password_hash = "` + mappingHash + `"
sender_domains = ["bare.example"]
`
	for _, all := range []bool{false, true} {
		extra := ""
		if all {
			extra = "[dkim]\nrequire_aligned = \"all\"\n"
		}
		cfg := parseMapping(t, extra+text)
		var timed countedSigner
		ts, _, err := cfg.BuildTenants(TenantDeps{Logger: slog.New(slog.DiscardHandler), TimeSigner: timed.wrap})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 || ts[0].Signer == nil || timed.n != 1 {
			t.Fatalf("require all %v: %d tenants, acme signer %v, timed %d: want acme signed and timed", all, len(ts), ts[0].Signer, timed.n)
		}
		if (ts[1].Signer != nil) != all {
			t.Errorf("require all %v: bare tenant's signer %v", all, ts[1].Signer)
		}
		for _, tn := range ts {
			if tn.Tracker == nil || len(tn.Pools) != 1 || tn.Pools[0] != cfg.Delivery.DefaultPool {
				t.Errorf("tenant %s: tracker %v, pools %q", tn.Name, tn.Tracker, tn.Pools)
			}
		}
	}
}

// TestBuildTenantsBadKey: a key file that does not load stops the build,
// naming the key.
func TestBuildTenantsBadKey(t *testing.T) {
	t.Parallel()
	key := writeEd25519Key(t, t.TempDir())
	cfg := parseMapping(t, `
[[dkim.key]]
domain = "acme.example"
selector = "s1"
file = "`+key+`"
[[tenant]]
name = "acme"
password_hash = "`+mappingHash+`"
sender_domains = ["acme.example"]
`)
	if err := os.WriteFile(key, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cfg.BuildTenants(TenantDeps{Logger: slog.New(slog.DiscardHandler)}); err == nil || !strings.Contains(err.Error(), "dkim.key") {
		t.Fatalf("BuildTenants = %v, want an error naming dkim.key", err)
	}
}

// TestWarnUnsigned: a tenant whose sender domain has no key (of its own
// or a parent's) is named; covered ones and require_aligned "all" (which
// refuses instead) are silent.
func TestWarnUnsigned(t *testing.T) {
	t.Parallel()
	cfg := &Config{}
	cfg.DKIM.Keys = []DKIMKey{{Domain: "acme.example"}}
	cfg.Tenants = []Tenant{
		{Name: "acme", SenderDomains: []string{"acme.example", "news.acme.example"}},
		{Name: "bare", SenderDomains: []string{"acme.example.net", "bare.example"}},
	}
	var buf bytes.Buffer
	cfg.WarnUnsigned(slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	if strings.Contains(out, "tenant=acme") || !strings.Contains(out, "tenant=bare") ||
		!strings.Contains(out, "acme.example.net") || !strings.Contains(out, "bare.example") {
		t.Fatalf("log: %s", out)
	}
	buf.Reset()
	cfg.DKIM.RequireAligned = "all"
	cfg.WarnUnsigned(slog.New(slog.NewTextHandler(&buf, nil)))
	if buf.Len() != 0 {
		t.Fatalf("require_aligned all logged: %s", buf.String())
	}
}
