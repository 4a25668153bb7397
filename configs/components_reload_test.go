package configs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sluice/internal/certs"
	"sluice/internal/reload"
)

// A reload prepares every step before it swaps any: one step refusing
// the file leaves every swap undone and the applied config unchanged; a
// good file swaps them all in order, with data_dir (a restart key)
// kept at its running value for the steps.
func TestReloaderPreparesAllBeforeSwapping(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sluice.toml")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	start := parseMapping(t, "")
	r := NewReloader(path, start, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var swapped []string
	refuse := errors.New("refused")
	step := func(name string) ReloadStep {
		return func(next *Config) (func() error, error) {
			if next.Hostname == "bad.test" && name == "second" {
				return nil, refuse
			}
			if next.DataDir != start.DataDir {
				t.Errorf("step %s saw data_dir %q, want the running %q", name, next.DataDir, start.DataDir)
			}
			return func() error { swapped = append(swapped, name); return nil }, nil
		}
	}
	r.Add(step("first"), step("second"))
	write("hostname = \"bad.test\"\ndata_dir = " + `"` + filepath.Join(dir, "other") + `"` + "\n")
	if err := r.Reload(context.Background()); !errors.Is(err, refuse) || len(swapped) != 0 {
		t.Fatalf("refused reload: err %v, swapped %q", err, swapped)
	}
	write("hostname = \"good.test\"\ndata_dir = " + `"` + filepath.Join(dir, "other") + `"` + "\n")
	if err := r.Reload(context.Background()); err != nil || !slices.Equal(swapped, []string{"first", "second"}) {
		t.Fatalf("reload: err %v, swapped %q", err, swapped)
	}
	write("hostname = [\n")
	if err := r.Reload(context.Background()); err == nil || len(swapped) != 2 {
		t.Fatalf("unparsable file: err %v, swapped %q", err, swapped)
	}
}

// The submission's certificate: the self-signed one made in data_dir
// without tls_cert, else the files, watched (their reload registered)
// and read once; the inbound MX takes the submission's unless it has
// its own; plain HTTP answers ACME HTTP-01 only with acme_hosts.
func TestCertificateMappings(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, "")
	w := &certs.Watched{Reloads: reload.New(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	sub, err := cfg.SubmissionTLS(w)
	if err != nil || len(sub.Certificates) != 1 {
		t.Fatalf("self-signed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "tls", "cert.pem")); err != nil {
		t.Fatalf("self-signed certificate not kept: %v", err)
	}
	if in, err := cfg.InboundTLS(w, sub); err != nil || in != sub {
		t.Fatalf("inbound without its own: %v", err)
	}
	cfg.Submission.TLSCert, cfg.Submission.TLSKey = filepath.Join(cfg.DataDir, "tls", "cert.pem"), filepath.Join(cfg.DataDir, "tls", "key.pem")
	if _, err := cfg.SubmissionTLS(w); err != nil {
		t.Fatalf("files: %v", err)
	}
	cfg.Inbound.TLSCert, cfg.Inbound.TLSKey = filepath.Join(cfg.DataDir, "missing.pem"), cfg.Submission.TLSKey
	if _, err := cfg.InboundTLS(w, sub); err == nil || !strings.Contains(err.Error(), "inbound.tls_cert") {
		t.Fatalf("missing inbound file: %v", err)
	}
	cfg.Tracking.HTTPSAddr = "127.0.0.1:0"
	cfg.Tracking.TLSCert, cfg.Tracking.TLSKey = cfg.Submission.TLSCert, cfg.Submission.TLSKey
	cc, _ := cfg.EdgeCerts(nil)
	cm, err := certs.New(cc)
	if err != nil {
		t.Fatal(err)
	}
	if ec, err := cfg.EdgeConfig(cm); err != nil || ec.HTTPChallenge != nil {
		t.Fatalf("HTTP-01 without acme_hosts: %v", err)
	}
	cfg.Tracking.ACMEHosts = []string{"t.example.test"}
	if ec, err := cfg.EdgeConfig(cm); err != nil || ec.HTTPChallenge == nil {
		t.Fatalf("no HTTP-01 with acme_hosts: %v", err)
	}
}
