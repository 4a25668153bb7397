package delivery

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
)

// The TLS policy tests run the engine against receivers on loopback: the
// harness's DNS server also answers `_mta-sts` TXT queries, an HTTPS
// policy server holds the MTA-STS policy under a test CA's certificate,
// and the receiving MX offers STARTTLS with a certificate of that CA, or
// no STARTTLS at all (mtatest.Sink).

// tlsEnv is the test CA and the policy resolver's config.
type tlsEnv struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	stats  *tlspolicy.Stats
}

func newTLSEnv(t testing.TB, now time.Time) *tlsEnv {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "delivery test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tlsEnv{caCert: cert, caKey: key, pool: pool, stats: &tlspolicy.Stats{}}
}

// issue makes a server certificate for name, valid around now.
func (e *tlsEnv) issue(t testing.TB, now time.Time, name string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, e.caCert, &key.PublicKey, e.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der, e.caCert.Raw}, PrivateKey: key}
}

// publishSTS publishes an MTA-STS policy for example.test (the TXT record
// in h's DNS, the policy on an HTTPS server with the CA's certificate)
// and returns the address every policy fetch must be sent to.
func (e *tlsEnv) publishSTS(t testing.TB, h *harness, mode string, mx ...string) string {
	t.Helper()
	h.dns.AddTXT("_mta-sts.example.test", "v=STSv1; id=1;")
	body := "version: STSv1\r\nmode: " + mode + "\r\n"
	for _, m := range mx {
		body += "mx: " + m + "\r\n"
	}
	body += "max_age: 86400\r\n"
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/mta-sts.txt" || r.Host != "mta-sts.example.test" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{e.issue(t, h.clk.Now(), "mta-sts.example.test")}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// resolver returns a policy resolver over h's DNS and the CA, fetching
// policies from policyAddr ("" when none is published).
func (e *tlsEnv) resolver(t testing.TB, h *harness, policyAddr string, rules ...tlspolicy.Rule) *tlspolicy.Resolver {
	t.Helper()
	if policyAddr == "" {
		policyAddr = "127.0.0.1:1" // nothing listens: no policy server
	}
	r, err := tlspolicy.New(tlspolicy.Config{
		Rules: rules, MTASTS: true, Servers: []string{h.dns.Addr()}, Dir: t.TempDir(),
		RootCAs: e.pool, FetchTimeout: 5 * time.Second, Stats: e.stats, Now: h.clk.Now,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, policyAddr)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// certSink is a receiving MX offering STARTTLS with a given certificate
// (mtatest.Sink's is self-signed); it records whether each message came
// over TLS.
type certSink struct {
	ln  net.Listener
	mu  sync.Mutex
	tls []bool
}

func tlsSink(t testing.TB, cert tls.Certificate) *certSink {
	t.Helper()
	s := &certSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, on := c.TLSConnectionState()
		return &certSession{s: s, tls: on}, nil
	}))
	srv.Domain = "mx1.example.test"
	srv.ReadTimeout, srv.WriteTimeout = waitLimit, waitLimit
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *certSink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// received returns, per message so far, whether it came over TLS.
func (s *certSink) received() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.tls...)
}

type certSession struct {
	s   *certSink
	tls bool
}

func (cs *certSession) Reset()                               {}
func (cs *certSession) Logout() error                        { return nil }
func (cs *certSession) Mail(string, *smtp.MailOptions) error { return nil }
func (cs *certSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (cs *certSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	cs.s.mu.Lock()
	cs.s.tls = append(cs.s.tls, cs.tls)
	cs.s.mu.Unlock()
	return nil
}

// policyHarness is a harness with opportunistic STARTTLS on (the
// default harness disables it) and the resolver of env; port is the
// receiving MX's.
func policyHarness(t testing.TB, env *tlsEnv, port int, setup func(h *harness) *tlspolicy.Resolver) *harness {
	t.Helper()
	return newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port, cfg.DisableTLS = port, false
		cfg.TLSPolicy, cfg.TLSStats = setup(h), env.stats
	})
}

func counted(s *tlspolicy.Stats, mode tlspolicy.Mode, r tlspolicy.ResultType) uint64 {
	var n uint64
	for k, v := range s.Counts() {
		if k.Mode == mode && k.Result == r {
			n += v
		}
	}
	return n
}

// MTA-STS enforce and a receiver that does not offer STARTTLS (stripped
// by an attacker, or never set up): deferred, nothing sent in clear, the
// event names the policy and the reason, the stats count
// starttls-not-supported.
func TestMTASTSEnforceWithoutSTARTTLSDefers(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	env := newTLSEnv(t, newTestClock().Now())
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		return env.resolver(t, h, env.publishSTS(t, h, "enforce", "mx1.example.test"))
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "deferred")
	if ev.TLSPolicy != "mta-sts enforce" || ev.TLSPolicySource != "mta-sts" {
		t.Errorf("event policy %q from %q, want mta-sts enforce from mta-sts", ev.TLSPolicy, ev.TLSPolicySource)
	}
	if !strings.Contains(ev.Reply, "STARTTLS not offered by mx1.example.test") {
		t.Errorf("reply %q does not give the reason", ev.Reply)
	}
	if n, _ := sink.Count(); n != 0 {
		t.Errorf("sink received %d messages in clear, want none", n)
	}
	if got := h.dials.Load(); got != 1 {
		t.Errorf("%d connections, want 1 (no plaintext retry)", got)
	}
	if n := counted(env.stats, tlspolicy.ModeMTASTS, tlspolicy.ResultSTARTTLSNotSupported); n != 1 {
		t.Errorf("starttls-not-supported counted %d times, want 1", n)
	}
}

// MTA-STS enforce and a receiver whose certificate the (test) CA signed
// for its MX name: delivered over verified TLS.
func TestMTASTSEnforceValidCertDelivers(t *testing.T) {
	t.Parallel()
	env := newTLSEnv(t, newTestClock().Now())
	sink := tlsSink(t, env.issue(t, newTestClock().Now(), "mx1.example.test"))
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		return env.resolver(t, h, env.publishSTS(t, h, "enforce", "mx1.example.test"))
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "delivered")
	if !ev.TLS || !ev.TLSVerified || ev.TLSPolicy != "mta-sts enforce" || ev.TLSPolicyError != "" {
		t.Errorf("event tls %v verified %v policy %q error %q, want verified TLS under mta-sts enforce",
			ev.TLS, ev.TLSVerified, ev.TLSPolicy, ev.TLSPolicyError)
	}
	if got := sink.received(); len(got) != 1 || !got[0] {
		t.Fatalf("sink got %v (one bool per message: over TLS), want [true]", got)
	}
	if n := counted(env.stats, tlspolicy.ModeMTASTS, tlspolicy.ResultSuccess); n != 1 {
		t.Errorf("successes counted %d, want 1", n)
	}
}

// An MTA-STS policy whose mx patterns do not list the domain's MX host:
// the host is skipped before dialling (RFC 8461 §4.1), the mail deferred.
func TestMTASTSSkipsUnlistedMX(t *testing.T) {
	t.Parallel()
	env := newTLSEnv(t, newTestClock().Now())
	sink := tlsSink(t, env.issue(t, newTestClock().Now(), "mx1.example.test"))
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		return env.resolver(t, h, env.publishSTS(t, h, "enforce", "mx9.example.test"))
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "deferred")
	if !strings.Contains(ev.Reply, "mx1.example.test not in the policy's mx patterns") || ev.TLSPolicy != "mta-sts enforce" {
		t.Errorf("reply %q policy %q, want the skipped MX host under mta-sts enforce", ev.Reply, ev.TLSPolicy)
	}
	if got := h.dials.Load(); got != 0 {
		t.Errorf("%d connections to a host the policy does not allow, want 0", got)
	}
	if n := counted(env.stats, tlspolicy.ModeMTASTS, tlspolicy.ResultValidationFailure); n != 1 {
		t.Errorf("validation-failure counted %d, want 1", n)
	}
}

// A configured `require` rule: a receiver without STARTTLS defers, one
// whose handshake fails defers too, and neither is retried in plaintext.
func TestRequireRuleDefersWithoutTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   mtatest.SinkOptions
		reason string
	}{
		{"no STARTTLS", mtatest.SinkOptions{}, "require: STARTTLS not offered by mx1.example.test"},
		{"broken handshake", mtatest.SinkOptions{BrokenTLS: true}, "tls handshake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := mtatest.NewSink(t, tc.opts)
			env := newTLSEnv(t, newTestClock().Now())
			h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
				return env.resolver(t, h, "", tlspolicy.Rule{Domain: ".test", Mode: tlspolicy.ModeRequire})
			})
			h.enqueue([]string{"ann@example.test"}, nil)
			h.start()
			ev := h.events.wait(t, "ann@example.test", 1, "deferred")
			if ev.TLSPolicy != "require" || ev.TLSPolicySource != "config" || !strings.Contains(ev.Reply, tc.reason) {
				t.Errorf("policy %q from %q, reply %q; want require from config, saying %q", ev.TLSPolicy, ev.TLSPolicySource, ev.Reply, tc.reason)
			}
			if n, _ := sink.Count(); n != 0 {
				t.Errorf("sink received %d messages, want none", n)
			}
			if got := h.dials.Load(); got != 1 {
				t.Errorf("%d connections, want 1 (no plaintext retry under require)", got)
			}
		})
	}
}

// With policies on but none published or configured for the domain, mail
// goes out as before: opportunistic, in clear to a receiver without
// STARTTLS, and the event says so.
func TestNoPolicyStaysOpportunistic(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	env := newTLSEnv(t, newTestClock().Now())
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		return env.resolver(t, h, "")
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "delivered")
	if ev.TLSPolicy != "opportunistic" || ev.TLSPolicySource != "default" || ev.TLS || ev.TLSVerified {
		t.Errorf("policy %q from %q, tls %v verified %v; want opportunistic by default, in clear",
			ev.TLSPolicy, ev.TLSPolicySource, ev.TLS, ev.TLSVerified)
	}
}

// MTA-STS testing mode and a certificate for another name: delivered over
// TLS (RFC 8461 §5), the failure kept in the event for reports.
func TestMTASTSTestingDeliversAndKeepsFailure(t *testing.T) {
	t.Parallel()
	env := newTLSEnv(t, newTestClock().Now())
	sink := tlsSink(t, env.issue(t, newTestClock().Now(), "other.example.test"))
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		return env.resolver(t, h, env.publishSTS(t, h, "testing", "mx1.example.test"))
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "delivered")
	if ev.TLSPolicy != "mta-sts testing" || !ev.TLS || ev.TLSVerified || !strings.Contains(ev.TLSPolicyError, "certificate name mismatch") {
		t.Errorf("policy %q tls %v verified %v error %q; want unverified TLS under testing with the mismatch kept",
			ev.TLSPolicy, ev.TLS, ev.TLSVerified, ev.TLSPolicyError)
	}
	if n := counted(env.stats, tlspolicy.ModeMTASTS, tlspolicy.ResultHostMismatch); n != 1 {
		t.Errorf("certificate-host-mismatch counted %d, want 1", n)
	}
}

// A deferral by the TLS policy is ours, not the receiver's: shaping
// observes nothing (no throttle, no connection failure towards a
// suspension), the connection slot is given back, and the mail keeps the
// queue's retry delay.
func TestTLSPolicyDeferralIsNoThrottle(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{BrokenTLS: true})
	env := newTLSEnv(t, newTestClock().Now())
	var sh *shaping.Policy
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port, cfg.DisableTLS = sink.Port(), false
		cfg.TLSPolicy = env.resolver(t, h, "", tlspolicy.Rule{MX: "mx1.example.test", Mode: tlspolicy.ModeVerify})
		cfg.TLSStats = env.stats
		sh = newPolicy(t, h, nil)
		cfg.Shaping = sh
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "deferred")
	if ev.TLSPolicy != "verify" {
		t.Errorf("policy %q, want verify (an MX rule)", ev.TLSPolicy)
	}
	if want := h.clk.Now().Add(testRetry.First); !ev.Retry.Equal(want) {
		t.Errorf("retry at %v, want the queue's first delay (%v)", ev.Retry, want)
	}
	for _, st := range sh.Status() {
		if st.Counts != (shaping.Counts{}) || st.Open != 0 {
			t.Errorf("site %s: counts %+v, open %d; want nothing observed and the slot released", st.Key.Site.Name(), st.Counts, st.Open)
		}
	}
}
