package guard

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/internal/clock"
	"sluice/mta/guard/proxyproto"
)

// noopUntilCut sends NOOP every interval until the server answers
// something else than 250 or closes (giving up after limit), and returns
// that last reply and when it came, measured from start.
func noopUntilCut(c *client, start time.Time, interval, limit time.Duration) (string, time.Duration) {
	c.t.Helper()
	for time.Since(start) < limit {
		time.Sleep(interval)
		if _, err := c.c.Write([]byte("NOOP\r\n")); err != nil {
			return "write: " + err.Error(), time.Since(start)
		}
		_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := c.br.ReadString('\n')
		if err != nil || !strings.HasPrefix(got, "250 ") {
			return strings.TrimSpace(got), time.Since(start)
		}
	}
	return "still answering", time.Since(start)
}

// The review's finding 3: a stranger sending NOOP every 100 ms kept its
// pre-auth slot forever, because each command re-armed the pre-auth
// timeout. The phase now ends PreAuthTimeout after accept, whatever the
// client sends; a tenant that authenticates within it is unaffected.
// Bounds are loose on purpose (a loaded machine with -race): the cut
// comes no sooner than PreAuthTimeout and long before the server's
// one-minute ReadTimeout, which a re-armed deadline would be.
func TestPreAuthDeadlineIsAbsolute(t *testing.T) {
	t.Parallel()
	const preAuth = 2 * time.Second
	var cut counter
	l, _ := serve(t, ListenerConfig{PreAuthTimeout: preAuth, MaxPreAuthCommands: -1, // the deadline alone
		Metrics: ListenerMetrics{PreAuthCut: cut.inc}}, nil)

	start := time.Now()
	stranger := dialFrom(t, l, "127.0.0.1")
	stranger.line()
	got, at := noopUntilCut(stranger, start, 100*time.Millisecond, 40*time.Second)
	if !strings.HasPrefix(got, "421 4.4.2") || at < preAuth || at > 30*time.Second {
		t.Fatalf("NOOP-ing stranger: %q after %v, want go-smtp's 421 at about %v", got, at, preAuth)
	}
	if !ended(stranger) {
		t.Fatal("the stranger's connection stayed open")
	}
	if cut.get("timeout") != 1 {
		t.Fatalf("PreAuthCut = %v, want one timeout", cut.m)
	}

	start = time.Now()
	tenant := dialFrom(t, l, "127.0.0.2")
	tenant.line()
	tenant.cmd("EHLO tenant.test")
	if got := tenant.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH: %q", got)
	}
	if got, at := noopUntilCut(tenant, start, 100*time.Millisecond, preAuth+time.Second); got != "still answering" {
		t.Fatalf("authenticated tenant: %q after %v, want every NOOP answered", got, at)
	}
	waitStats(t, l, Stats{Conns: 1, Addrs: 1})
}

// The deadline holds through STARTTLS: the handshake and the commands
// over TLS are part of the phase (crypto/tls passes our deadlines down).
func TestPreAuthDeadlineThroughSTARTTLS(t *testing.T) {
	t.Parallel()
	const preAuth = 2 * time.Second
	cert := selfSigned(t)
	l, _ := serveWith(t, ListenerConfig{PreAuthTimeout: preAuth, MaxPreAuthCommands: -1}, nil, func(s *smtp.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	start := time.Now()
	c := dialFrom(t, l, "127.0.0.1")
	c.line()
	c.cmd("EHLO tls.test")
	if got := c.cmd("STARTTLS"); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.c, c.br = tc, bufio.NewReader(tc)
	got, at := noopUntilCut(c, start, 100*time.Millisecond, 40*time.Second)
	if !strings.HasPrefix(got, "421 4.4.2") || at < preAuth || at > 30*time.Second {
		t.Fatalf("NOOP-ing over TLS: %q after %v, want 421 at about %v", got, at, preAuth)
	}
}

// A client may send at most MaxPreAuthCommands command lines before
// AUTH; a tenant well within it goes on without a limit once
// authenticated.
func TestPreAuthCommandCap(t *testing.T) {
	t.Parallel()
	var cut counter
	l, _ := serve(t, ListenerConfig{PreAuthTimeout: time.Minute, MaxPreAuthCommands: 5,
		Metrics: ListenerMetrics{PreAuthCut: cut.inc}}, nil)
	stranger := dialFrom(t, l, "127.0.0.1")
	stranger.line()
	for i := range 5 {
		if got := stranger.cmd("NOOP"); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("NOOP %d: %q", i+1, got)
		}
	}
	if got := stranger.cmd("NOOP"); !strings.HasPrefix(got, "421 4.7.0") {
		t.Fatalf("6th command: %q, want 421 4.7.0", got)
	}
	if !ended(stranger) || cut.get("commands") != 1 {
		t.Fatalf("PreAuthCut %v: want the connection closed, one commands cut", cut.m)
	}
	tenant := dialFrom(t, l, "127.0.0.2")
	tenant.line()
	tenant.cmd("EHLO tenant.test")
	if got := tenant.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH: %q", got)
	}
	for i := range 20 {
		if got := tenant.cmd("NOOP"); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("authenticated NOOP %d: %q", i+1, got)
		}
	}
}

// The review's finding 12: PROXY LOCAL (a health check) and UNKNOWN name
// no client. Such a connection is an unknown client: not the proxy's
// address (loopback here, and trusted), so neither exempt from the caps
// nor loopback for whoever reads RemoteAddr.
func TestProxyUnknownIsNoClient(t *testing.T) {
	t.Parallel()
	l, b := serve(t, ListenerConfig{
		ProxyFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Trusted:   []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}, nil)
	for _, hdr := range [][]byte{
		proxyproto.AppendV2(nil, proxyproto.Header{Command: proxyproto.Local}),
		[]byte("PROXY UNKNOWN\r\n"),
		[]byte("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"),
	} {
		c := dialFrom(t, l, "127.0.0.1")
		c.c.Write(hdr)
		if got := c.line(); !strings.HasPrefix(got, "220 ") {
			t.Fatalf("%q: %q", hdr, got)
		}
		c.cmd("EHLO hc.test")
	}
	for _, seen := range b.seen() {
		if seen != "unknown" {
			t.Fatalf("session saw %q, want the unknown client", seen)
		}
		if a := addrOf(unknownAddr{}); a.IsValid() || a.IsLoopback() {
			t.Fatalf("addrOf(unknown) = %v", a)
		}
	}
	// Counted as strangers (pre-auth, one address group), not trusted.
	waitStats(t, l, Stats{Conns: 3, PreAuth: 3, Addrs: 1})
}

// selfSigned makes a certificate for a test TLS server.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "guard.test"},
		DNSNames: []string{"guard.test"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// ended reports whether the server has ended the connection: EOF, or a
// reset (the server closed with the client's last command unread).
func ended(c *client) bool {
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.ReadAll(c.br)
	return !isTimeout(err)
}
