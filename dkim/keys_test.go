package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestGenerateWriteLoad(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"rsa", "ed25519"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			key, err := GenerateKey(algo)
			if err != nil {
				t.Fatal(err)
			}
			if k, ok := key.(*rsa.PrivateKey); ok && k.N.BitLen() != 2048 {
				t.Errorf("RSA key of %d bits, want 2048", k.N.BitLen())
			}
			path := filepath.Join(t.TempDir(), "k.pem")
			if err := WritePrivateKey(path, key); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			data, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") {
				t.Errorf("not a PKCS#8 PEM file:\n%s", data)
			}
			loaded, err := LoadPrivateKey(path)
			if err != nil {
				t.Fatal(err)
			}
			if !loaded.(interface{ Equal(crypto.PrivateKey) bool }).Equal(key) {
				t.Error("loaded key differs from the written one")
			}
			// Refuses to overwrite, and leaves the file alone.
			other, _ := GenerateKey("ed25519")
			if err := WritePrivateKey(path, other); !errors.Is(err, fs.ErrExist) {
				t.Errorf("overwrite: err = %v, want fs.ErrExist", err)
			}
			if again, _ := os.ReadFile(path); string(again) != string(data) {
				t.Error("existing key file was modified")
			}
		})
	}
	if _, err := GenerateKey("dsa"); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("GenerateKey(dsa): %v", err)
	}
}

func TestLoadPrivateKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	td := func(name string) string { return filepath.Join("testdata", name) }
	tests := []struct {
		path string
		want string // "rsa2048", "rsa1024", "ed25519", or "" for an error
		err  error
	}{
		{td("rsa2048-pkcs1.pem"), "rsa2048", nil},
		{td("rsa2048-pkcs8.pem"), "rsa2048", nil},
		{td("rsa1024-pkcs1.pem"), "rsa1024", nil},
		{td("ed25519.pem"), "ed25519", nil},
		{td("rsa512-pkcs1.pem"), "", ErrWeakKey},
		{td("ec-p256.pem"), "", ErrUnsupportedKey},
		{write("empty.pem", ""), "", nil},
		{write("garbage.pem", "not a key\n"), "", nil},
		{write("cert-only.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "", nil},
		{write("corrupt.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "", nil},
		{filepath.Join(dir, "missing.pem"), "", fs.ErrNotExist},
	}
	for _, tt := range tests {
		key, err := LoadPrivateKey(tt.path)
		if tt.want == "" {
			if err == nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("%s: err = %v, want %v", tt.path, err, tt.err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("%s: error %q does not name the file", tt.path, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		got := "ed25519"
		if k, ok := key.(*rsa.PrivateKey); ok {
			got = "rsa" + strconv.Itoa(k.N.BitLen())
		}
		if got != tt.want {
			t.Errorf("%s: loaded %s, want %s", tt.path, got, tt.want)
		}
	}
	// The weak-key error says what is wrong.
	_, err := LoadPrivateKey(td("rsa512-pkcs1.pem"))
	if err == nil || !strings.Contains(err.Error(), "1024") {
		t.Errorf("512-bit key: unclear error %v", err)
	}
}

func TestTXTValue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v, err := TXTValue(f.rsa.Public())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/]+=*$`).MatchString(v) {
		t.Errorf("RSA value %q", v)
	}
	v, err = TXTValue(f.ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := strings.CutPrefix(v, "v=DKIM1; k=ed25519; p=")
	raw, _ := base64.StdEncoding.DecodeString(p)
	if !ok || !ed25519.PublicKey(raw).Equal(f.ed.Public()) {
		t.Errorf("Ed25519 value %q", v)
	}
	if _, err := TXTValue("key"); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("TXTValue(string): %v", err)
	}
	if _, err := TXTValue(ed25519.PublicKey{1, 2}); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("TXTValue(short Ed25519): %v", err)
	}
}

func TestTXTRecord(t *testing.T) {
	t.Parallel()
	// The TXTRecord format; captures the name and the strings.
	zoneRecord := regexp.MustCompile(`^(\S+)\. IN TXT \(((?: "[^"\\]{1,255}")+) \)$`)
	f := newFixture(t)
	for _, pub := range []any{f.rsa.Public(), f.ed.Public()} {
		rec, err := TXTRecord("example.com.", "s2026", pub)
		if err != nil {
			t.Fatal(err)
		}
		m := zoneRecord.FindStringSubmatch(rec)
		if m == nil {
			t.Fatalf("record %q does not parse", rec)
		}
		if m[1] != "s2026._domainkey.example.com" {
			t.Errorf("name %q", m[1])
		}
		var joined strings.Builder
		for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[2], -1) {
			joined.WriteString(q[1])
		}
		want, _ := TXTValue(pub)
		if joined.String() != want {
			t.Errorf("strings join to %q, want %q", joined.String(), want)
		}
	}
	for _, tt := range []struct{ domain, selector string }{
		{"", "s"}, {"example.com", ""}, {"exa mple.com", "s"}, {"example.com", "s;x"},
		{"example..com", "s"}, {strings.Repeat("a", 64) + ".com", "s"}, {"example.com", "s\"x"},
	} {
		if _, err := TXTRecord(tt.domain, tt.selector, f.ed.Public()); !errors.Is(err, ErrInvalidName) {
			t.Errorf("TXTRecord(%q, %q): %v, want ErrInvalidName", tt.domain, tt.selector, err)
		}
	}
}
