package tlsrpt

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
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
	"sluice/mta/tlspolicy"
)

// testClock is one test's clock, movable.
type testClock struct{ ns atomic.Int64 }

// newClock starts at 10:00 UTC of today's (clock.Now) date.
func newClock() *testClock {
	c := &testClock{}
	c.ns.Store(utcDay(clock.Now()).Add(10 * time.Hour).UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// receiver is an https rua: an httptest TLS server for
// https://example.com/… (its certificate's name), reached through the
// reporter's DialContext, recording the reports POSTed to it.
type receiver struct {
	srv    *httptest.Server
	status atomic.Int32  // answer; 0 is 200
	posted chan struct{} // a signal per report received

	mu      sync.Mutex
	reports []*Report
	raw     [][]byte
	types   []string
	paths   []string
}

func startReceiver(t *testing.T, mux func(*receiver) http.Handler) *receiver {
	t.Helper()
	rv := &receiver{posted: make(chan struct{}, 64)}
	h := http.HandlerFunc(rv.serve)
	var handler http.Handler = h
	if mux != nil {
		handler = mux(rv)
	}
	rv.srv = httptest.NewTLSServer(handler)
	t.Cleanup(rv.srv.Close)
	return rv
}

func (rv *receiver) serve(w http.ResponseWriter, req *http.Request) {
	rv.mu.Lock()
	rv.paths = append(rv.paths, req.Method+" "+req.URL.Path)
	rv.mu.Unlock()
	if s := rv.status.Load(); s != 0 {
		w.WriteHeader(int(s))
		return
	}
	zr, err := gzip.NewReader(req.Body)
	if err != nil {
		http.Error(w, "not gzip", http.StatusBadRequest)
		return
	}
	raw, err := io.ReadAll(zr)
	var r Report
	if err != nil || json.Unmarshal(raw, &r) != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	rv.mu.Lock()
	rv.reports = append(rv.reports, &r)
	rv.raw = append(rv.raw, raw)
	select {
	case rv.posted <- struct{}{}:
	default:
	}
	rv.types = append(rv.types, req.Header.Get("Content-Type"))
	rv.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (rv *receiver) got() ([]*Report, []string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]*Report(nil), rv.reports...), append([]string(nil), rv.paths...)
}

// body returns the i-th report's JSON and Content-Type.
func (rv *receiver) body(i int) ([]byte, string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return rv.raw[i], rv.types[i]
}

func (rv *receiver) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(rv.srv.Certificate())
	return p
}

// dial sends every https connection to the receiver.
func (rv *receiver) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, rv.srv.Listener.Addr().String())
}

// mailbox records what the reporter enqueues.
type mailbox struct {
	mu   sync.Mutex
	msgs []queued
	fail atomic.Bool
}

type queued struct {
	from, to string
	msg      []byte
}

func (m *mailbox) enqueue(_ context.Context, from, to string, msg []byte) error {
	if m.fail.Load() {
		return io.ErrUnexpectedEOF
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, queued{from, to, bytes.Clone(msg)})
	return nil
}

func (m *mailbox) got() []queued {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]queued(nil), m.msgs...)
}

// env is one test's world: a DNS server, an https receiver, a mailbox, a
// clock, a statistics source and a report directory.
type env struct {
	t     *testing.T
	dns   *dnstest.Server
	rv    *receiver
	mail  *mailbox
	clock *testClock
	stats *tlspolicy.Stats
	dir   string
	delay time.Duration // the day's random delay the reporter gets
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, dns: dnstest.NewServer(t), rv: startReceiver(t, nil), mail: &mailbox{},
		clock: newClock(), stats: &tlspolicy.Stats{}, dir: t.TempDir(), delay: 30 * time.Minute}
}

func (e *env) config() Config {
	return Config{
		Dir: e.dir, Organization: "Sluice Test", Submitter: "mta.sender.test", Contact: "postmaster@sender.test",
		Source: e.stats.Take, Enqueue: e.mail.enqueue, DNSServers: []string{e.dns.Addr()}, DNSTimeout: time.Second,
		RootCAs: e.rv.roots(), DialContext: e.rv.dial, HTTPTimeout: 5 * time.Second,
		Now: e.clock.Now, Rand: func(int64) int64 { return int64(e.delay) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func (e *env) open() *Reporter {
	e.t.Helper()
	r, err := Open(e.config())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { r.Close() })
	return r
}

func (e *env) tick(r *Reporter) {
	e.t.Helper()
	if err := r.Tick(context.Background()); err != nil {
		e.t.Fatalf("tick: %v", err)
	}
}

// stsPolicy is an MTA-STS enforce policy of domain for mx.
func stsPolicy(domain, mx string) *tlspolicy.Policy {
	return &tlspolicy.Policy{Mode: tlspolicy.ModeMTASTS, Source: tlspolicy.SourceMTASTS, Domain: domain,
		STS: &tlspolicy.STSPolicy{Mode: tlspolicy.STSEnforce, MX: []string{mx}, MaxAge: 86400}}
}

// The two ends of the sessions traffic records at mx1.
var (
	mx1IP  = netip.MustParseAddr("192.0.2.25")
	sendIP = netip.MustParseAddr("2001:db8::7")
)

// traffic records ok successful sessions to domain's mx1 and one failure
// of each kind: no STARTTLS at mx1 (at mx1IP from sendIP), an expired
// certificate at mx2 (addresses unknown).
func (e *env) traffic(domain string, ok int) {
	p := stsPolicy(domain, "*."+domain)
	at := tlspolicy.IPs{Receiving: mx1IP, Sending: sendIP}
	for range ok {
		e.stats.Record(p, "mx1."+domain, at, nil)
	}
	e.stats.Record(p, "mx1."+domain, at, outbound.ErrTLSRequired)
	e.stats.Record(p, "mx2."+domain, tlspolicy.IPs{}, &tlspolicy.VerifyError{Policy: p.Name(), Type: tlspolicy.ResultCertExpired,
		Host: "mx2." + domain})
}

// nextDay moves the clock past the end of today's UTC day and its delay.
func (e *env) nextDay() {
	now := e.clock.Now()
	e.clock.Advance(utcDay(now).Add(24*time.Hour + e.delay + time.Minute).Sub(now))
}
