package token

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadKeyringSecretFile: with no configured secret, the first start
// writes a random 32-byte hex secret with mode 0600 and later starts sign
// with the same one; a configured secret wins and writes nothing.
func TestLoadKeyringSecretFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), SecretFile)
	configured := strings.Repeat("ab", 32)
	kr, err := LoadKeyring(configured, nil, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a configured secret wrote the secret file (stat: %v)", err)
	}
	tok, err := kr.Seal(Claims{Kind: Open, Tenant: "acme", Message: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mustKeyring(t, configured).Open(tok); err != nil {
		t.Fatalf("the configured secret does not sign: %v", err)
	}

	first, err := LoadKeyring("", nil, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if s := strings.TrimSpace(string(raw)); len(s) != 64 {
		t.Fatalf("secret file holds %q, want 64 hex digits", s)
	}
	tok, err = first.Seal(Claims{Kind: Open, Tenant: "acme", Message: 2})
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadKeyring("", nil, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(tok); err != nil || got.Message != 2 {
		t.Fatalf("second start opens the first's token: %+v, %v", got, err)
	}
}

// TestLoadKeyringErrors: a secret that is not hex is named (*HexError),
// and an unreadable secret file stops start-up instead of being replaced.
func TestLoadKeyringErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var he *HexError
	if _, err := LoadKeyring("zz", nil, filepath.Join(dir, SecretFile)); !errors.As(err, &he) || he.Index != -1 {
		t.Fatalf("signing not hex: %v", err)
	}
	if _, err := LoadKeyring(strings.Repeat("ab", 32), []string{"nothex"}, filepath.Join(dir, SecretFile)); !errors.As(err, &he) || he.Index != 0 {
		t.Fatalf("previous not hex: %v", err)
	}
	if _, err := LoadKeyring("", nil, dir); err == nil { // a directory: not readable as a file
		t.Fatal("unreadable secret file: no error")
	}
}

func mustKeyring(t *testing.T, secret string) *Keyring {
	t.Helper()
	kr, err := KeyringFromHex(secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}
