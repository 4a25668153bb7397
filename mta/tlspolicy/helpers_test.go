package tlspolicy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/mta/mx/dnstest"
	"sluice/mta/outbound"

	"github.com/emersion/go-smtp"
)

// testClock is one test's clock, movable.
type testClock struct{ ns atomic.Int64 }

func newClock() *testClock {
	c := &testClock{}
	c.ns.Store(clock.Now().UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// testCA issues certificates dated on the test's clock.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	now  time.Time
}

func newCA(t *testing.T, now time.Time) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sluice test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool, now: now}
}

// issue makes a server certificate for names, valid from an hour ago to
// validFor from now.
func (ca *testCA) issue(t *testing.T, validFor time.Duration, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: ca.now.Add(-time.Hour), NotAfter: ca.now.Add(validFor),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}
}

// sink is a go-smtp receiver offering STARTTLS with cert (none when nil).
type sink struct {
	addr string
	mu   sync.Mutex
	msgs []bool // one per message: received over TLS
}

func startSink(t *testing.T, cert *tls.Certificate) *sink {
	t.Helper()
	s := &sink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, tlsOn := c.TLSConnectionState()
		return &sinkSession{s: s, tls: tlsOn}, nil
	}))
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *sink) received() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.msgs...)
}

type sinkSession struct {
	s   *sink
	tls bool
}

func (ss *sinkSession) Reset()                               {}
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.tls)
	ss.s.mu.Unlock()
	return nil
}

// policyServer is an HTTPS MTA-STS policy server with a test CA's
// certificate; Handler may be swapped.
type policyServer struct {
	srv     *httptest.Server
	fetches atomic.Int64
	body    atomic.Value // string
}

func startPolicyServer(t *testing.T, ca *testCA, domain, body string) *policyServer {
	t.Helper()
	ps := &policyServer{}
	ps.body.Store(body)
	ps.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.fetches.Add(1)
		if r.URL.Path != "/.well-known/mta-sts.txt" || r.Host != "mta-sts."+domain {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, ps.body.Load().(string))
	}))
	cert := ca.issue(t, 7*24*time.Hour, "mta-sts."+domain)
	ps.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ps.srv.StartTLS()
	t.Cleanup(ps.srv.Close)
	return ps
}

// loopback is both ends' address of every test session.
var loopback = netip.MustParseAddr("127.0.0.1")

// dialTo sends every policy fetch to addr, whatever the name.
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// deliver sends one message for domain to host at addr under the
// policy the resolver gives, as mta/delivery would, and records the
// outcome in stats. It returns the policy and the error.
func deliver(t *testing.T, r *Resolver, stats *Stats, domain, host, addr string) (*Policy, *outbound.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := r.ForHost(ctx, r.Domain(ctx, domain), host)
	if err != nil {
		return nil, nil, err
	}
	if err := p.CheckMX(host); err != nil {
		return p, nil, err
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := outbound.Handshake(ctx, conn, host, outbound.Options{HelloName: "out.sluice.test", TLSPolicy: p.Outbound()})
	if err != nil {
		stats.Record(p, host, ConnIPs(conn.RemoteAddr(), conn.LocalAddr()), err)
		return p, nil, err
	}
	defer c.Quit(ctx)
	env := outbound.Envelope{From: "b@sluice.test", To: []string{"ann@" + domain}}
	res, err := c.Send(ctx, env, []byte("Subject: hi\r\n\r\nhi\r\n"))
	if err == nil && len(res.Rcpts) == 1 {
		err = res.Rcpts[0].Err
	}
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	stats.Record(p, host, ConnIPs(conn.RemoteAddr(), conn.LocalAddr()), c.TLSPolicyErr())
	return p, c, nil
}

// stsEnv is a domain publishing MTA-STS on loopback.
type stsEnv struct {
	clock *testClock
	ca    *testCA
	dns   *dnstest.Server
	ps    *policyServer
	stats *Stats
	cfg   Config
}

func newSTSEnv(t *testing.T, mode string) *stsEnv {
	t.Helper()
	e := &stsEnv{clock: newClock(), dns: dnstest.NewServer(t), stats: &Stats{}}
	e.ca = newCA(t, e.clock.Now())
	e.dns.AddTXT("_mta-sts.example.test", "v=STSv1; id=20240101;")
	e.ps = startPolicyServer(t, e.ca, "example.test",
		"version: STSv1\r\nmode: "+mode+"\r\nmx: mx1.example.test\r\nmx: *.mx.example.test\r\nmax_age: 86400\r\n")
	e.cfg = Config{
		MTASTS: true, Servers: []string{e.dns.Addr()}, Dir: t.TempDir(),
		RootCAs: e.ca.pool, DialContext: dialTo(e.ps.srv.Listener.Addr().String()),
		FetchTimeout: 5 * time.Second, Stats: e.stats, Now: e.clock.Now,
	}
	return e
}

func (e *stsEnv) resolver(t *testing.T) *Resolver {
	t.Helper()
	r, err := New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func redirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.test/.well-known/mta-sts.txt", http.StatusFound)
	})
}

func contentType(ct string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		io.WriteString(w, "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 600\n")
	})
}
