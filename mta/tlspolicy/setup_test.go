package tlspolicy

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/internal/clock"
)

// TestRootsWithFile: the file's CA is trusted on top of the system's; a
// missing file or one with no certificate is an error; "" is the
// system's roots (nil).
func TestRootsWithFile(t *testing.T) {
	t.Parallel()
	if p, err := RootsWithFile(""); p != nil || err != nil {
		t.Fatalf(`RootsWithFile(""): %v, %v`, p, err)
	}
	dir := t.TempDir()
	ca := newCA(t, clock.Now())
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool, err := RootsWithFile(file)
	if err != nil {
		t.Fatal(err)
	}
	leaf := ca.issue(t, 24*time.Hour, "mx.example")
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "mx.example", CurrentTime: clock.Now()}); err != nil {
		t.Errorf("a certificate of the file's CA does not verify: %v", err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := RootsWithFile(junk); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("junk file: %v", err)
	}
	if _, err := RootsWithFile(filepath.Join(dir, "missing.pem")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestLoggedStats: a failure is logged with its site and MX, a success is
// not, and both reach next.
func TestLoggedStats(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var heard []ResultType
	s := LoggedStats(slog.New(slog.NewJSONHandler(&logs, nil)), func(_ *Policy, _ string, r ResultType) { heard = append(heard, r) })
	p := &Policy{Mode: ModeVerify, Source: SourceConfig, Domain: "bank.example"}
	s.Record(p, "mx.bank.example", IPs{}, nil)
	s.Record(p, "mx.bank.example", IPs{}, &VerifyError{Policy: "verify", Type: ResultHostMismatch, Host: "mx.bank.example", Err: errors.New("name mismatch")})
	if len(heard) != 2 || heard[0] != ResultSuccess || heard[1] != ResultHostMismatch {
		t.Fatalf("next heard %v", heard)
	}
	out := logs.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"rcpt_domain":"bank.example"`) || !strings.Contains(out, `"mx":"mx.bank.example"`) {
		t.Errorf("log: %s", out)
	}
}
