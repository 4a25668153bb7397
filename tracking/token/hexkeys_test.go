package token

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// TestKeyringFromHexRotation: the key id comes from the secret (the same
// on every node), a keyring made with a previous secret opens tokens
// sealed under it, and the new one seals with the new secret.
func TestKeyringFromHexRotation(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	k, err := KeyFromHex(oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(oldSecret)
	if sum := sha256.Sum256(raw); k.ID != sum[0] || string(k.Secret) != string(raw) {
		t.Fatalf("key = %d %x, want id %d", k.ID, k.Secret, sum[0])
	}
	before, err := KeyringFromHex(oldSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := KeyringFromHex(newSecret, []string{oldSecret})
	if err != nil {
		t.Fatal(err)
	}
	c := Claims{Kind: Open, Tenant: "acme", Message: 7, Rcpt: 1}
	tok, err := before.Seal(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.Open(tok); err != nil || got.Message != 7 {
		t.Fatalf("rotated keyring opens old token: %+v, %v", got, err)
	}
	tok, err = after.Seal(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Open(tok); err == nil {
		t.Fatal("old keyring opened a token sealed with the new secret")
	}
}

// TestKeyringFromHexErrors: a secret that is not hex is named by its
// place; a short or repeated secret fails as NewKeyring does.
func TestKeyringFromHexErrors(t *testing.T) {
	t.Parallel()
	good := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name      string
		signing   string
		previous  []string
		wantIndex int // -2: not a HexError
		want      string
	}{
		{"signing not hex", "zz" + good, nil, -1, "signing secret: not hex"},
		{"previous not hex", good, []string{strings.Repeat("cd", 32), "nothex"}, 1, "previous secret 1: not hex"},
		{"short", "abcd", nil, -2, "want at least"},
		{"same secret twice", good, []string{good}, -2, "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := KeyringFromHex(tc.signing, tc.previous)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var he *HexError
			if isHex := errors.As(err, &he); isHex != (tc.wantIndex != -2) || (isHex && he.Index != tc.wantIndex) {
				t.Fatalf("err = %#v, want HexError index %d", err, tc.wantIndex)
			}
		})
	}
}
