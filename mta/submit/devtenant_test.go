package submit_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"sluice/mta/submit"
)

// TestDevTenant: the first start creates the development tenant and prints
// its password once (only its bcrypt hash is kept, mode 0600); a restart
// returns the same tenant without the password; a damaged file stops
// start-up instead of replacing the tenant.
func TestDevTenant(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out strings.Builder
	tn, err := submit.LoadOrCreateDevTenant(dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`username "dev" password "([0-9a-f]{24})"`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("first start printed %q: want the username and password", out.String())
	}
	if tn.Name != "dev" || tn.Username != "dev" || strings.Join(tn.SenderDomains, ",") != "example.com,localhost" {
		t.Errorf("tenant %+v", tn)
	}
	if bcrypt.CompareHashAndPassword([]byte(tn.PasswordHash), []byte(m[1])) != nil {
		t.Error("the printed password does not match the kept hash")
	}
	path := filepath.Join(dir, submit.DevTenantFile)
	raw, err := os.ReadFile(path)
	if err != nil || strings.Contains(string(raw), m[1]) {
		t.Fatalf("tenant file (%v) holds the password in clear", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("tenant file mode %v, want 0600", fi.Mode().Perm())
	}

	out.Reset()
	again, err := submit.LoadOrCreateDevTenant(dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if again.PasswordHash != tn.PasswordHash || strings.Contains(out.String(), m[1]) || !strings.Contains(out.String(), path) {
		t.Errorf("restart: hash kept %v, printed %q", again.PasswordHash == tn.PasswordHash, out.String())
	}

	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := submit.LoadOrCreateDevTenant(dir, &out); err == nil {
		t.Fatal("a damaged tenant file was accepted")
	}
	if raw, _ := os.ReadFile(path); string(raw) != "{" {
		t.Error("a damaged tenant file was replaced")
	}
}
