package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/internal/certs/certstest"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
)

var (
	pixelTLS = regexp.MustCompile(`src="https://edge\.test/o/([A-Za-z0-9_-]+)\.gif"`)
	unsubTLS = regexp.MustCompile(`<https://edge\.test/u/([A-Za-z0-9_-]+)>`)
)

// httpsClient talks to host over TLS at addr, trusting pool, following
// no redirect; serial, when set, receives each answer's leaf serial.
func httpsClient(addr string, pool *x509.CertPool) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
			TLSClientConfig:   &tls.Config{RootCAs: pool},
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

// leafSerial is the serial of the certificate served at addr for name.
func leafSerial(t *testing.T, addr, name string, pool *x509.CertPool) *big.Int {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{ServerName: name, RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS to %s: %v", addr, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber
}

// TestHTTPSEdge: with tracking.https_addr and a static certificate the
// node serves the open pixel and the RFC 8058 one-click over TLS with that
// certificate, and plain HTTP answers 308 to base_url's https origin, the
// same path (a one-click POST too), except /healthz.
func TestHTTPSEdge(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, time.Now()) // TLS clients check dates on the real clock, never a shifted one
	certFile, keyFile, serial := ca.WriteFiles(t, t.TempDir(), time.Now(), "edge.test")
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tracking.BaseURL = "https://edge.test"
		cfg.Tracking.HTTPSAddr = "127.0.0.1:0"
		cfg.Tracking.TLSCert, cfg.Tracking.TLSKey = certFile, keyFile
		cfg.Tenants[0].Tracking = "all"
	})
	if _, err := tn.submit("news@acme.example", []string{"ann@example.test"}, newsletter); err != nil {
		t.Fatal(err)
	}
	m := tn.sink.WaitRcpts(1, 10*time.Second)[0]
	px, u := pixelTLS.FindStringSubmatch(string(m.Data)), unsubTLS.FindStringSubmatch(headerValue(m.Data, "List-Unsubscribe"))
	if px == nil || u == nil {
		t.Fatalf("no https pixel or List-Unsubscribe in\n%s", m.Data)
	}
	tlsAddr := tn.n.edgeTLSLn.Addr().String()
	if got := leafSerial(t, tlsAddr, "edge.test", ca.Pool); got.Cmp(serial) != 0 {
		t.Fatalf("served certificate serial %v, want the configured %v", got, serial)
	}
	hc := httpsClient(tlsAddr, ca.Pool)
	resp, err := hc.Get("https://edge.test/o/" + px[1] + ".gif")
	if err != nil {
		t.Fatal(err)
	}
	gif, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(gif) != 43 || resp.TLS == nil {
		t.Fatalf("pixel over TLS: %d, %d bytes", resp.StatusCode, len(gif))
	}

	plain := "http://" + tn.n.edgeLn.Addr().String()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/o/" + px[1] + ".gif?x=1"},
		{http.MethodPost, "/u/" + u[1]},
	} {
		req, _ := http.NewRequest(tc.method, plain+tc.path, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://edge.test"+tc.path {
			t.Fatalf("plain %s %s: %d → %q, want 308 to https://edge.test%s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.path)
		}
	}
	if resp, err := noRedirect.Get(plain + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("plain /healthz: %v %v", resp, err)
	}
	// The one-click over TLS takes effect: the next marketing mail is refused.
	if code := oneClick(t, hc, "https://edge.test/u/"+u[1]); code != 200 {
		t.Fatalf("one-click over TLS: %d", code)
	}
	if _, err := tn.submit("news@acme.example", []string{"ann@example.test"}, newsletter); mtatest.Code(err) != 550 {
		t.Fatalf("marketing mail after the one-click over TLS: %v, want 550", err)
	}
}

// submissionSerial is the serial of the certificate the submission
// listener at addr offers after STARTTLS.
func submissionSerial(t *testing.T, addr string, pool *x509.CertPool) *big.Int {
	t.Helper()
	c, err := smtp.DialStartTLS(addr, &tls.Config{ServerName: "mta.sluice.test", RootCAs: pool})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if err := c.Noop(); err != nil { // the handshake completes with the first exchange
		t.Fatal(err)
	}
	st, ok := c.TLSConnectionState()
	if !ok {
		t.Fatal("no TLS state after STARTTLS")
	}
	return st.PeerCertificates[0].SerialNumber
}

// TestSIGHUPReloadsCertificates runs `sluice serve` as a process with the
// HTTPS edge and a submission certificate from files, replaces both files,
// and sends SIGHUP (twice, the first right after start-up): the process
// stays up, logs the reloads, and serves the new certificates on the edge
// and after STARTTLS.
func TestSIGHUPReloadsCertificates(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped in -short mode")
	}
	t.Parallel()
	dir := t.TempDir()
	now := time.Now() // certificates: TLS clients check dates on the real clock, never a shifted one
	ca := certstest.NewCA(t, now)
	edgeDir, subDir := filepath.Join(dir, "edge"), filepath.Join(dir, "sub")
	for _, d := range []string{edgeDir, subDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	edgeCert, edgeKey, edgeOld := ca.WriteFiles(t, edgeDir, now, "edge.test")
	subCert, subKey, subOld := ca.WriteFiles(t, subDir, now, "mta.sluice.test")
	submitAddr, httpsAddr := freeAddr(t), freeAddr(t)
	config := fmt.Sprintf(`hostname = "mta.sluice.test"
data_dir = %q
[submission]
listen = %q
tls_cert = %q
tls_key = %q
[inbound]
listen = %q
[tracking]
listen = %q
https_addr = %q
tls_cert = %q
tls_key = %q
base_url = "https://edge.test"
token_secret = %q
[admin]
listen = %q
`, filepath.Join(dir, "data"), submitAddr, subCert, subKey, freeAddr(t), freeAddr(t), httpsAddr, edgeCert, edgeKey,
		strings.Repeat("ab", 32), freeAddr(t))
	path, _ := writeConfig(t, filepath.Join(dir, "sluice.toml"), config)
	c := startChild(t, "serve", path, submitAddr)
	// At once: a SIGHUP caught during start-up must not kill the process.
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if got := leafSerial(t, httpsAddr, "edge.test", ca.Pool); got.Cmp(edgeOld) != 0 {
		t.Fatalf("edge serial %v before the reload, want %v", got, edgeOld)
	}
	if got := submissionSerial(t, submitAddr, ca.Pool); got.Cmp(subOld) != 0 {
		t.Fatalf("submission serial %v before the reload, want %v", got, subOld)
	}

	_, _, edgeNew := ca.WriteFiles(t, edgeDir, now, "edge.test")
	_, _, subNew := ca.WriteFiles(t, subDir, now, "mta.sluice.test")
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool {
		return leafSerial(t, httpsAddr, "edge.test", ca.Pool).Cmp(edgeNew) == 0 &&
			submissionSerial(t, submitAddr, ca.Pool).Cmp(subNew) == 0
	})
	logs := c.logs.String()
	for _, want := range []string{`"msg":"reload requested","signal":"hangup"`,
		`"msg":"reloaded","component":"tracking certificate"`, `"msg":"reloaded","component":"submission certificate"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if err := c.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("sluice serve died after SIGHUP: %v\n%s", err, logs)
	}
	// SIGTERM still stops it cleanly.
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, c.logs.String())
	}
}
