package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/certs/certstest"
)

// TestSIGHUPReloadsInboundCertificate runs `sluice serve` with
// inbound.tls_cert of its own, replaces the files and sends SIGHUP: the
// inbound MX's STARTTLS serves the new certificate, the submission keeps
// its own (generated) one, and the process stays up.
func TestSIGHUPReloadsInboundCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped in -short mode")
	}
	t.Parallel()
	dir := t.TempDir()
	now := time.Now() // certificates: TLS clients check dates on the real clock, never a shifted one
	ca := certstest.NewCA(t, now)
	inDir := filepath.Join(dir, "inbound")
	if err := os.Mkdir(inDir, 0o700); err != nil {
		t.Fatal(err)
	}
	inCert, inKey, inOld := ca.WriteFiles(t, inDir, now, "mta.sluice.test")
	submitAddr, inboundAddr := freeAddr(t), freeAddr(t)
	config := fmt.Sprintf(`hostname = "mta.sluice.test"
data_dir = %q
[submission]
listen = %q
[inbound]
listen = %q
tls_cert = %q
tls_key = %q
[tracking]
listen = %q
token_secret = %q
[admin]
listen = %q
`, filepath.Join(dir, "data"), submitAddr, inboundAddr, inCert, inKey, freeAddr(t), strings.Repeat("ab", 32), freeAddr(t))
	path, _ := writeConfig(t, filepath.Join(dir, "sluice.toml"), config)
	c := startChild(t, "serve", path, submitAddr)
	if got := submissionSerial(t, inboundAddr, ca.Pool); got.Cmp(inOld) != 0 {
		t.Fatalf("inbound serial %v before the reload, want %v", got, inOld)
	}

	_, _, inNew := ca.WriteFiles(t, inDir, now, "mta.sluice.test")
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool {
		return submissionSerial(t, inboundAddr, ca.Pool).Cmp(inNew) == 0
	})
	logs := c.logs.String()
	if want := `"msg":"reloaded","component":"inbound certificate"`; !strings.Contains(logs, want) {
		t.Errorf("logs lack %s:\n%s", want, logs)
	}
	if err := c.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("sluice serve died after SIGHUP: %v\n%s", err, logs)
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, c.logs.String())
	}
}
