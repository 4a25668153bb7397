package tracking_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
	"sluice/mta/mx/dnstest"
	"sluice/tracking"
	"sluice/tracking/token"
)

const edgeHost = "t.sluice.test"

// tlsEdge is an edge serving HTTPS and plain HTTP on two loopback
// listeners, with a client that resolves edgeHost to loopback and trusts
// roots.
type tlsEdge struct {
	*testEdge
	plain string // "http://t.sluice.test:port"
}

// newTLSEdge starts an edge on tlsLn (HTTPS, with m's certificates) and
// plainLn (HTTP); mod may change its config.
func newTLSEdge(t *testing.T, m *certs.Manager, roots *x509.CertPool, tlsLn, plainLn net.Listener, mod func(*tracking.Config)) *tlsEdge {
	t.Helper()
	te := &testEdge{
		keys:  testKeyring(t, 1, "edge test secret, 32 bytes long!"),
		rec:   &recorder{},
		supp:  &suppressor{},
		clock: &testClock{t: t0},
	}
	cfg := tracking.Config{
		Keyring: te.keys, Events: te.rec, Suppressor: te.supp, Now: te.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := tracking.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	te.edge = e
	served := make(chan error, 2)
	go func() { served <- e.ServeTLS(tlsLn, m.TLSConfig("http/1.1")) }()
	go func() { served <- e.Serve(plainLn) }()
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		// edgeHost is on loopback.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	te.http = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	te.base = "https://" + net.JoinHostPort(edgeHost, port(tlsLn))
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range 2 {
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
	})
	return &tlsEdge{testEdge: te, plain: "http://" + net.JoinHostPort(edgeHost, port(plainLn))}
}

func port(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// staticEdge is an HTTPS edge over a certificate of a test CA, in files.
func staticEdge(t *testing.T, mod func(*tracking.Config)) *tlsEdge {
	t.Helper()
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	certFile, keyFile, _ := ca.WriteFiles(t, t.TempDir(), now, edgeHost)
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tlsLn, plainLn := listen(t), listen(t)
	return newTLSEdge(t, m, ca.Pool, tlsLn, plainLn, mod)
}

func TestHTTPSEdge(t *testing.T) {
	t.Parallel()
	te := staticEdge(t, nil)

	open := te.seal(t, token.Claims{Kind: token.Open, Rcpt: 1})
	resp, body := te.get(t, "/o/"+open+".gif")
	if resp.StatusCode != http.StatusOK || body != string(gif43) {
		t.Errorf("pixel over HTTPS: %d %q", resp.StatusCode, body)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 || resp.ProtoMajor != 1 {
		t.Errorf("not HTTP/1.1 over TLS 1.2+: %+v %s", resp.TLS, resp.Proto)
	}
	te.rec.take(t)

	click := te.seal(t, token.Claims{Kind: token.Click, Rcpt: 2, URL: "https://shop.example/sale"})
	resp, _ = te.get(t, "/c/"+click)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://shop.example/sale" {
		t.Errorf("click over HTTPS: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	te.rec.take(t)

	unsub := te.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 3, Addr: "john@example.com"})
	b, ct := oneClickForm()
	resp, _ = te.do(t, http.MethodPost, "/u/"+unsub, b, "Content-Type", ct)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("one-click unsubscribe over HTTPS: %d", resp.StatusCode)
	}
	if calls, done := te.supp.snapshot(); done != 1 || calls[0].Addr != "john@example.com" {
		t.Errorf("suppressions %+v (%d done)", calls, done)
	}

	// Without HTTPSRedirect plain HTTP serves everything (links in mail
	// sent before HTTPS keep working as they did).
	plain := &testEdge{http: te.http, base: te.plain, keys: te.keys, rec: te.rec}
	resp, body = plain.get(t, "/o/"+open+".gif")
	if resp.StatusCode != http.StatusOK || body != string(gif43) {
		t.Errorf("pixel over plain HTTP: %d", resp.StatusCode)
	}
}

func TestHTTPSRedirect(t *testing.T) {
	t.Parallel()
	var te *tlsEdge
	tlsLn, plainLn := listen(t), listen(t)
	origin := "https://" + net.JoinHostPort(edgeHost, port(tlsLn))
	now := time.Now() // a TLS client checks validity on the real clock, shifted or not
	ca := certstest.NewCA(t, now)
	certFile, keyFile, _ := ca.WriteFiles(t, t.TempDir(), now, edgeHost)
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	te = newTLSEdge(t, m, ca.Pool, tlsLn, plainLn, func(c *tracking.Config) { c.HTTPSRedirect = origin })
	plain := &testEdge{http: te.http, base: te.plain}

	unsub := te.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 3, Addr: "john@example.com"})
	for _, c := range []struct{ method, path string }{
		{"GET", "/o/x.gif"},
		{"GET", "/c/abc?x=1&y=%2F"},
		{"POST", "/u/" + unsub},
		{"GET", "/.well-known/acme-challenge/tok"}, // no HTTP-01 configured: redirected like the rest
	} {
		var body io.Reader
		if c.method == "POST" {
			body = strings.NewReader("List-Unsubscribe=One-Click")
		}
		resp, _ := plain.do(t, c.method, c.path, body, "Content-Type", "application/x-www-form-urlencoded", "Host", "evil.example")
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != origin+c.path {
			t.Errorf("%s %s: %d Location %q, want 308 to %s", c.method, c.path, resp.StatusCode, resp.Header.Get("Location"), origin+c.path)
		}
	}
	if resp, body := plain.get(t, "/healthz"); resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz over plain HTTP: %d %q", resp.StatusCode, body)
	}
	if _, done := te.supp.snapshot(); done != 0 {
		t.Fatal("plain POST suppressed before the redirect was followed")
	}

	// A client following the 308 repeats the POST, body included, over
	// HTTPS: the one-click unsubscribe of a mail sent with an http link.
	follow := &http.Client{Transport: te.http.Transport, Timeout: 30 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, te.plain+"/u/"+unsub, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := follow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Errorf("followed one-click: %d over TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if calls, done := te.supp.snapshot(); done != 1 || calls[0].Addr != "john@example.com" {
		t.Errorf("suppressions %+v (%d done)", calls, done)
	}
}

func TestHTTPSRedirectConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"http://t.example", "https://", "https://t.example/path", "https://t.example?q", "t.example", "https://u@t.example"} {
		_, err := tracking.New(tracking.Config{Keyring: testKeyring(t, 1, "edge test secret, 32 bytes long!"), Suppressor: &suppressor{}, HTTPSRedirect: bad})
		if err == nil {
			t.Errorf("HTTPSRedirect %q accepted", bad)
		}
	}
}

// TestEdgeACME: Pebble, a real ACME CA, issues the edge's certificate for
// its configured host, validated through the edge itself (TLS-ALPN-01 on
// the HTTPS listener, or HTTP-01 on the plain one while the HTTPS
// listener is unreachable to the CA); then a client verifying against
// Pebble's root fetches the pixel over HTTPS.
func TestEdgeACME(t *testing.T) {
	t.Parallel()
	for _, http01 := range []bool{false, true} {
		name := "tls-alpn-01"
		if http01 {
			name = "http-01"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tlsLn, plainLn := listen(t), listen(t)
			dns := dnstest.NewServer(t)
			dns.AddA(edgeHost, "127.0.0.1")
			opts := certstest.PebbleOptions{DNS: dns.Addr(), TLSPort: tlsLn.Addr().(*net.TCPAddr).Port}
			if http01 {
				opts = certstest.PebbleOptions{DNS: dns.Addr(), HTTPPort: plainLn.Addr().(*net.TCPAddr).Port}
			}
			p := certstest.StartPebble(t, opts)
			m, err := certs.New(certs.Config{Logger: slog.New(slog.DiscardHandler), ACME: certs.ACME{
				Hosts: []string{edgeHost}, Directory: p.Directory, CacheDir: filepath.Join(t.TempDir(), "acme"),
				HTTPClient: p.Client, HTTP01: http01,
			}})
			if err != nil {
				t.Fatal(err)
			}
			te := newTLSEdge(t, m, p.Roots, tlsLn, plainLn, func(c *tracking.Config) {
				c.HTTPSRedirect = "https://" + edgeHost
				c.HTTPChallenge = m.HTTPChallenge
			})
			open := te.seal(t, token.Claims{Kind: token.Open, Rcpt: 1})
			resp, body := te.get(t, "/o/"+open+".gif")
			if resp.StatusCode != http.StatusOK || body != string(gif43) {
				t.Fatalf("pixel: %d", resp.StatusCode)
			}
			if got := resp.TLS.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != edgeHost {
				t.Errorf("certificate for %v", got)
			}
			// autocert tries TLS-ALPN-01 first; when the CA cannot reach
			// the HTTPS listener it orders again with HTTP-01.
			if n, want := p.Orders(), map[bool]int64{false: 1, true: 2}[http01]; n != want {
				t.Errorf("%d orders, want %d", n, want)
			}
		})
	}
}
