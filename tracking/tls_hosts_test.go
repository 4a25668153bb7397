package tracking_test

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"sluice/internal/certs"
	"sluice/internal/certs/certstest"
	"sluice/tracking"
)

// On plain HTTP, a tenant's own tracking host redirects to HTTPS on that
// host (the origin's port kept), so its links stay where the edge serves
// that tenant's tokens; any host the map does not know, however the
// request spells it, goes to the configured origin: the Location never
// names a host taken from the request alone.
func TestHTTPSRedirectTenantHost(t *testing.T) {
	t.Parallel()
	tlsLn, plainLn := listen(t), listen(t)
	origin := "https://" + net.JoinHostPort(edgeHost, port(tlsLn))
	now := time.Now() // a TLS client checks validity on the real clock
	ca := certstest.NewCA(t, now)
	certFile, keyFile, _ := ca.WriteFiles(t, t.TempDir(), now, edgeHost)
	m, err := certs.New(certs.Config{CertFile: certFile, KeyFile: keyFile, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hosts := tracking.NewHostMap(map[string]string{"T.Acme.Example.": "acme"})
	newTLSEdge(t, m, ca.Pool, tlsLn, plainLn, func(c *tracking.Config) {
		c.HTTPSRedirect = origin + "/"
		c.Hosts = hosts
	})
	addr := plainLn.Addr().String()
	for _, c := range []struct{ host, want string }{
		{"t.acme.example", "https://t.acme.example:" + port(tlsLn)},
		{"T.ACME.EXAMPLE.:80", "https://t.acme.example:" + port(tlsLn)},
		{"evil.example", origin},
		{"x.t.acme.example", origin},
		{"t.acme.example.evil.example", origin},
		{"[::1]:80", origin},
	} {
		resp := rawGet(t, addr, c.host, "/c/abc?x=1")
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusPermanentRedirect || got != c.want+"/c/abc?x=1" {
			t.Errorf("Host %q: %d Location %q, want 308 to %s/c/abc?x=1", c.host, resp.StatusCode, got, c.want)
		}
	}
	// The map follows the store: a host dropped is no tenant's any more.
	hosts.Set(nil)
	resp := rawGet(t, addr, "t.acme.example", "/o/x.gif")
	if got := resp.Header.Get("Location"); got != origin+"/o/x.gif" {
		t.Errorf("after the host was dropped: Location %q", got)
	}
}

// rawGet sends GET path with exactly the Host header host (net/http
// would put the URL's) and returns the response, body closed.
func rawGet(t *testing.T, addr, host, path string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n", path, host, firefox); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
