package configs

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"sluice/dkim/openssl"
	"sluice/mta/submit"
)

// AttachSigners reports whether an RSA key signs through OpenSSL: that is
// what `sluice serve` raises GOMAXPROCS on (openssl.RaiseProcs, tested
// there).
func TestAttachSignersReportsOpenSSL(t *testing.T) {
	_, libErr := openssl.Library()
	if libErr != nil && os.Getenv("SLUICE_REQUIRE_OPENSSL") == "1" {
		t.Fatalf("OpenSSL required but unavailable: %v", libErr)
	}
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaFile := filepath.Join(dir, "rsa.key")
	if err := os.WriteFile(rsaFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err = x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	edFile := filepath.Join(dir, "ed.key")
	if err := os.WriteFile(edFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		engine string
		files  []string
		want   bool
	}{
		{"go", []string{rsaFile, edFile}, false},
		{"auto", []string{edFile}, false},
		{"auto", []string{rsaFile, edFile}, libErr == nil},
	} {
		cfg := &Config{}
		cfg.DKIM.RSAEngine = tc.engine
		for i, f := range tc.files {
			cfg.DKIM.Keys = append(cfg.DKIM.Keys, DKIMKey{Domain: "example.com", Selector: fmt.Sprint("s", i), File: f})
		}
		tenants := []*submit.Tenant{{Name: "t", SenderDomains: []string{"example.com"}}}
		got, err := cfg.AttachSigners(tenants, log)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want || tenants[0].Signer == nil {
			t.Fatalf("engine %q, %d keys: cgoRSA = %v (signer %v), want %v", tc.engine, len(tc.files), got, tenants[0].Signer != nil, tc.want)
		}
	}
}
