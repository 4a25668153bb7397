package tlspolicy

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"sluice/mta/mx/dnstest"
	"sluice/mta/outbound"
)

// daneEnv is example.test with a DNSSEC-signed MX (as a validating
// resolver reports it) pointing at mx1.example.test.
type daneEnv struct {
	clock *testClock
	ca    *testCA
	dns   *dnstest.Server
	stats *Stats
	cfg   Config
}

const tlsaName = "_25._tcp.mx1.example.test"

func newDANEEnv(t *testing.T) *daneEnv {
	t.Helper()
	e := &daneEnv{clock: newClock(), dns: dnstest.NewServer(t), stats: &Stats{}}
	e.ca = newCA(t, e.clock.Now())
	e.dns.AddMX("example.test", 10, "mx1.example.test")
	e.dns.AddA("mx1.example.test", "127.0.0.1")
	for _, n := range []string{"example.test", "mx1.example.test", tlsaName} {
		e.dns.SetAuthenticated(n, true)
	}
	e.cfg = Config{DANE: true, DNSSECServers: []string{e.dns.Addr()}, Stats: e.stats, Now: e.clock.Now}
	return e
}

func (e *daneEnv) resolver(t *testing.T) *Resolver {
	t.Helper()
	r, err := New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func spkiSHA256(c tls.Certificate) []byte {
	d := sha256.Sum256(c.Leaf.RawSubjectPublicKeyInfo)
	return d[:]
}

// TLSA 3 1 1 matching the sink's key with the AD bit: delivered over TLS,
// though the certificate names another host and has expired (DANE-EE
// ignores both, RFC 7672 §3.1.1).
func TestDANEEEMatchDelivers(t *testing.T) {
	t.Parallel()
	e := newDANEEnv(t)
	cert := newCA(t, e.clock.Now()).issue(t, -time.Minute, "unrelated.test")
	e.dns.AddTLSA(tlsaName, 3, 1, 1, spkiSHA256(cert))
	s := startSink(t, &cert)
	p, c, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", s.addr)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if p.Source != SourceDANE || len(p.TLSA) != 1 {
		t.Errorf("policy %s from %s with %d records", p.Name(), p.Source, len(p.TLSA))
	}
	if !c.TLSVerified() {
		t.Error("not reported verified")
	}
	if got := s.received(); len(got) != 1 || !got[0] {
		t.Errorf("sink got %v, want one message over TLS", got)
	}
}

// A TLSA record matching another key defers; so does a DANE host
// without STARTTLS.
func TestDANEMismatchDefers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		offer  bool
		result ResultType
	}{{"other key", true, ResultTLSAInvalid}, {"no STARTTLS", false, ResultSTARTTLSNotSupported}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newDANEEnv(t)
			other := e.ca.issue(t, time.Hour, "mx1.example.test")
			e.dns.AddTLSA(tlsaName, 3, 1, 1, spkiSHA256(other))
			var s *sink
			if tt.offer {
				cert := e.ca.issue(t, time.Hour, "mx1.example.test")
				s = startSink(t, &cert)
			} else {
				s = startSink(t, nil)
			}
			_, _, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", s.addr)
			if err == nil || outbound.IsPermanent(err) {
				t.Fatalf("err %v, want a temporary failure", err)
			}
			if got := Classify(err); got != tt.result {
				t.Errorf("result %s, want %s (%v)", got, tt.result, err)
			}
			if len(s.received()) != 0 {
				t.Error("delivered")
			}
		})
	}
}

// Without the AD bit on the TLSA answer, or on the MX answer, or without a
// validating resolver configured, there is no DANE: opportunistic TLS
// delivers to a sink the records would have refused.
func TestDANENotSecureIsNoDANE(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(e *daneEnv)
	}{
		{"TLSA without AD", func(e *daneEnv) { e.dns.SetAuthenticated(tlsaName, false) }},
		{"MX without AD", func(e *daneEnv) { e.dns.SetAuthenticated("example.test", false) }},
		{"address without AD", func(e *daneEnv) { e.dns.SetAuthenticated("mx1.example.test", false) }},
		{"no validating resolver", func(e *daneEnv) { e.cfg.DNSSECServers = nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newDANEEnv(t)
			e.dns.AddTLSA(tlsaName, 3, 1, 1, make([]byte, 32))
			tt.edit(e)
			cert := e.ca.issue(t, time.Hour, "mx1.example.test")
			s := startSink(t, &cert)
			p, _, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", s.addr)
			if err != nil {
				t.Fatalf("deliver: %v", err)
			}
			if p.Mode != ModeOpportunistic {
				t.Errorf("policy %s from %s, want opportunistic", p.Name(), p.Source)
			}
			if len(s.received()) != 1 {
				t.Error("not delivered")
			}
		})
	}
}

// DANE-TA: a record for the CA (2 0 1) authenticates a chain to it for
// the MX name; the wrong name fails. PKIX usages only (0, 1) are
// unusable: TLS is still required, unauthenticated (RFC 7672 §3.1.3).
func TestDANETAAndUnusable(t *testing.T) {
	t.Parallel()
	e := newDANEEnv(t)
	d := sha256.Sum256(e.ca.cert.Raw)
	e.dns.AddTLSA(tlsaName, 2, 0, 1, d[:])
	good := e.ca.issue(t, time.Hour, "mx1.example.test")
	if _, _, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", startSink(t, &good).addr); err != nil {
		t.Errorf("DANE-TA with the right name: %v", err)
	}
	bad := e.ca.issue(t, time.Hour, "mx9.elsewhere.test")
	_, _, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", startSink(t, &bad).addr)
	if Classify(err) != ResultHostMismatch {
		t.Errorf("DANE-TA with another name: %v, want a host mismatch", err)
	}

	u := newDANEEnv(t)
	u.dns.AddTLSA(tlsaName, 1, 1, 1, make([]byte, 32))
	_, _, err = deliver(t, u.resolver(t), u.stats, "example.test", "mx1.example.test", startSink(t, nil).addr)
	if !errors.Is(err, outbound.ErrTLSRequired) {
		t.Errorf("unusable TLSA and no STARTTLS: %v, want TLS required", err)
	}
	any := u.ca.issue(t, time.Hour, "whatever.test")
	if _, _, err := deliver(t, u.resolver(t), u.stats, "example.test", "mx1.example.test", startSink(t, &any).addr); err != nil {
		t.Errorf("unusable TLSA with TLS: %v, want delivered", err)
	}
}

// DANE wins over MTA-STS where both exist (RFC 8461 §2); a failed TLSA
// lookup defers (dnssec-invalid).
func TestDANEWinsAndLookupFailureDefers(t *testing.T) {
	t.Parallel()
	e := newSTSEnv(t, "enforce")
	e.dns.AddMX("example.test", 10, "mx1.example.test")
	e.dns.AddA("mx1.example.test", "127.0.0.1")
	for _, n := range []string{"example.test", "mx1.example.test", tlsaName} {
		e.dns.SetAuthenticated(n, true)
	}
	cert := newCA(t, e.clock.Now()).issue(t, time.Hour, "unrelated.test") // fails MTA-STS
	e.dns.AddTLSA(tlsaName, 3, 1, 1, spkiSHA256(cert))
	e.cfg.DANE, e.cfg.DNSSECServers = true, []string{e.dns.Addr()}
	p, _, err := deliver(t, e.resolver(t), e.stats, "example.test", "mx1.example.test", startSink(t, &cert).addr)
	if err != nil || p.Source != SourceDANE {
		t.Fatalf("deliver: %v (policy %v), want DANE to deliver", err, p)
	}

	e.dns.SetRcode(tlsaName, 2) // SERVFAIL
	r := e.resolver(t)
	_, err = r.ForHost(context.Background(), r.Domain(context.Background(), "example.test"), "mx1.example.test")
	if !errors.Is(err, ErrDANELookup) {
		t.Errorf("ForHost with SERVFAIL: %v, want ErrDANELookup", err)
	}
}
