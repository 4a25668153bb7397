package submit_test

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluice/mta/submit"
)

// TestTLSFilesSelfSigned: with no configured certificate, the first Load
// writes a self-signed one (key mode 0600) dated by the injected clock,
// and later loads keep it (clients may have pinned it).
func TestTLSFilesSelfSigned(t *testing.T) {
	t.Parallel()
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	f := submit.TLSFiles{Dir: filepath.Join(t.TempDir(), "tls"), Host: "mta.example.com", Now: func() time.Time { return now }}
	cfg, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != 0x0303 || len(cfg.Certificates) != 1 {
		t.Fatalf("config: min version %x, %d certificates", cfg.MinVersion, len(cfg.Certificates))
	}
	cert, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "mta.example.com" || !cert.NotBefore.Equal(now.Add(-time.Hour)) {
		t.Errorf("certificate for %q from %v, want mta.example.com from %v", cert.Subject.CommonName, cert.NotBefore, now.Add(-time.Hour))
	}
	if fi, err := os.Stat(filepath.Join(f.Dir, "key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	f.Now = func() time.Time { return now.AddDate(1, 0, 0) }
	again, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Certificates[0].Certificate[0], cfg.Certificates[0].Certificate[0]) {
		t.Error("a second start made a new certificate: pinned clients would break")
	}
}

// TestTLSFilesConfigured: configured files are loaded as they are, nothing
// is generated, and a missing file is an error naming it.
func TestTLSFilesConfigured(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPEM, keyPEM, err := submit.SelfSignedPEM("real.example.com", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	selfDir := filepath.Join(dir, "tls")
	cfg, err := submit.TLSFiles{CertFile: certFile, KeyFile: keyFile, Dir: selfDir, Host: "other.example"}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if cert, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); err != nil || cert.Subject.CommonName != "real.example.com" {
		t.Fatalf("loaded %v, %v; want the configured certificate", cert.Subject, err)
	}
	if _, err := os.Stat(selfDir); err == nil {
		t.Error("a self-signed certificate was generated although one is configured")
	}
	missing := filepath.Join(dir, "missing.pem")
	if _, err := (submit.TLSFiles{CertFile: missing, KeyFile: keyFile}).Load(); err == nil || !bytes.Contains([]byte(err.Error()), []byte(missing)) {
		t.Errorf("missing certificate: %v, want an error naming %s", err, missing)
	}
}
