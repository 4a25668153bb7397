package delivery

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// The DANE tests (RFC 7672) run the engine against the harness's DNS
// server standing in for a validating resolver: it sets the AD bit on the
// answers for the names the test marks authenticated (the MX RRset, the MX
// host's address, its TLSA RRset), and the policy resolver trusts that bit
// because the config lists the server in DNSSECServers. The receiving MX
// is a go-smtp server offering STARTTLS with a certificate of the test CA
// (certSink), or mtatest.Sink without STARTTLS.

const daneTLSA = "_25._tcp.mx1.example.test"

// daneResolver marks example.test's MX, mx1's address and its TLSA
// records DNSSEC-secure (tlsaSecure: the TLSA answer too) and returns a
// resolver with DANE on and h's DNS server as the validating resolver.
// stsAddr, when set, also turns MTA-STS on with policies fetched there.
func (e *tlsEnv) daneResolver(t testing.TB, h *harness, tlsaSecure bool, stsAddr string) *tlspolicy.Resolver {
	t.Helper()
	h.dns.SetAuthenticated("example.test", true)
	h.dns.SetAuthenticated("mx1.example.test", true)
	h.dns.SetAuthenticated(daneTLSA, tlsaSecure)
	cfg := tlspolicy.Config{
		DANE: true, DNSSECServers: []string{h.dns.Addr()}, Servers: []string{h.dns.Addr()},
		RootCAs: e.pool, Stats: e.stats, Now: h.clk.Now, FetchTimeout: 5 * time.Second,
	}
	if stsAddr != "" {
		cfg.MTASTS, cfg.Dir = true, t.TempDir()
		cfg.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, stsAddr)
		}
	}
	r, err := tlspolicy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func leafSPKI(t testing.TB, c tls.Certificate) []byte {
	t.Helper()
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return d[:]
}

// A matching TLSA record authenticates the receiver: DANE-EE 3 1 1 of the
// sink's own key (whatever names its certificate has, RFC 7672 §3.1.1)
// and DANE-TA 2 1 1 of the CA that issued the sink's certificate for the
// MX name (§3.1.2). Delivered over verified TLS, under "dane" with result
// success, counted once as a success of the tlsa policy.
func TestDANEMatchDelivers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cert func(t *testing.T, e *tlsEnv, now time.Time) tls.Certificate
		tlsa func(t *testing.T, e *tlsEnv, cert tls.Certificate) (usage uint8, data []byte)
	}{
		{"DANE-EE 3 1 1",
			func(t *testing.T, e *tlsEnv, now time.Time) tls.Certificate {
				return e.issue(t, now, "unrelated.example")
			},
			func(t *testing.T, _ *tlsEnv, c tls.Certificate) (uint8, []byte) { return 3, leafSPKI(t, c) }},
		{"DANE-TA 2 1 1",
			func(t *testing.T, e *tlsEnv, now time.Time) tls.Certificate {
				return e.issue(t, now, "mx1.example.test")
			},
			func(t *testing.T, e *tlsEnv, _ tls.Certificate) (uint8, []byte) {
				d := sha256.Sum256(e.caCert.RawSubjectPublicKeyInfo)
				return 2, d[:]
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := newTestClock().Now()
			env := newTLSEnv(t, now)
			cert := tc.cert(t, env, now)
			sink := tlsSink(t, cert)
			h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
				usage, data := tc.tlsa(t, env, cert)
				h.dns.AddTLSA(daneTLSA, usage, 1, 1, data)
				return env.daneResolver(t, h, true, "")
			})
			h.enqueue([]string{"ann@example.test"}, nil)
			h.start()
			ev := h.events.wait(t, "ann@example.test", 1, "delivered")
			if !ev.TLS || !ev.TLSVerified || ev.TLSPolicy != "dane" || ev.TLSPolicySource != "dane" || ev.TLSResult != "success" {
				t.Errorf("event tls %v verified %v policy %q from %q result %q; want verified TLS under dane, success",
					ev.TLS, ev.TLSVerified, ev.TLSPolicy, ev.TLSPolicySource, ev.TLSResult)
			}
			if ev.TLSVersion < tls.VersionTLS12 || ev.TLSCipher == 0 {
				t.Errorf("event TLS version %#x cipher %#x", ev.TLSVersion, ev.TLSCipher)
			}
			if got := sink.received(); len(got) != 1 || !got[0] {
				t.Fatalf("sink got %v (one bool per message: over TLS), want [true]", got)
			}
			rep := env.stats.Take()
			if len(rep) != 1 || rep[0].PolicyType != "tlsa" || rep[0].Successes != 1 || len(rep[0].Failures) != 0 {
				t.Errorf("report data %+v, want one tlsa success", rep)
			}
		})
	}
}

// Under DANE the mail is deferred, never sent in clear, when the receiver
// cannot be authenticated: a TLSA record matching another key, a DANE-TA
// chain for another name, no STARTTLS (stripped by an attacker). One
// connection each (no plaintext retry); the event and the TLS report's
// failure details give the result type and both ends' addresses.
func TestDANEFailureDefers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sink   func(t *testing.T, e *tlsEnv, now time.Time) (port int, count func() int)
		tlsa   func(t *testing.T, e *tlsEnv, now time.Time) (usage uint8, data []byte)
		result tlspolicy.ResultType
	}{
		{"other key", certSinkOf("mx1.example.test"),
			func(t *testing.T, e *tlsEnv, now time.Time) (uint8, []byte) {
				return 3, leafSPKI(t, e.issue(t, now, "mx1.example.test"))
			}, tlspolicy.ResultTLSAInvalid},
		{"DANE-TA, another name", certSinkOf("mx9.elsewhere.test"),
			func(t *testing.T, e *tlsEnv, now time.Time) (uint8, []byte) {
				d := sha256.Sum256(e.caCert.RawSubjectPublicKeyInfo)
				return 2, d[:]
			}, tlspolicy.ResultHostMismatch},
		{"STARTTLS stripped",
			func(t *testing.T, e *tlsEnv, now time.Time) (int, func() int) {
				s := mtatest.NewSink(t, mtatest.SinkOptions{})
				return s.Port(), func() int { n, _ := s.Count(); return n }
			},
			func(t *testing.T, e *tlsEnv, now time.Time) (uint8, []byte) {
				return 3, leafSPKI(t, e.issue(t, now, "mx1.example.test"))
			}, tlspolicy.ResultSTARTTLSNotSupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := newTestClock().Now()
			env := newTLSEnv(t, now)
			port, count := tc.sink(t, env, now)
			h := policyHarness(t, env, port, func(h *harness) *tlspolicy.Resolver {
				usage, data := tc.tlsa(t, env, now)
				h.dns.AddTLSA(daneTLSA, usage, 1, 1, data)
				return env.daneResolver(t, h, true, "")
			})
			h.enqueue([]string{"ann@example.test"}, nil)
			h.start()
			ev := h.events.wait(t, "ann@example.test", 1, "deferred")
			if ev.TLSPolicy != "dane" || ev.TLSResult != string(tc.result) {
				t.Errorf("event policy %q result %q (reply %q), want dane, %s", ev.TLSPolicy, ev.TLSResult, ev.Reply, tc.result)
			}
			if n := count(); n != 0 {
				t.Errorf("sink received %d messages, want none", n)
			}
			if got := h.dials.Load(); got != 1 {
				t.Errorf("%d connections, want 1 (no plaintext retry under DANE)", got)
			}
			lo := netip.MustParseAddr("127.0.0.1")
			rep := env.stats.Take()
			want := tlspolicy.FailureKey{Result: tc.result, ReceivingMX: "mx1.example.test", ReceivingIP: lo, SendingIP: lo}
			if len(rep) != 1 || rep[0].PolicyType != "tlsa" || rep[0].Failures[want] != 1 || rep[0].Successes != 0 {
				t.Errorf("report data %+v, want one %s failure at 127.0.0.1 from 127.0.0.1", rep, tc.result)
			}
		})
	}
}

// certSinkOf returns a sink maker: a certSink with a certificate of the
// test CA for name.
func certSinkOf(name string) func(t *testing.T, e *tlsEnv, now time.Time) (int, func() int) {
	return func(t *testing.T, e *tlsEnv, now time.Time) (int, func() int) {
		s := tlsSink(t, e.issue(t, now, name))
		return s.Port(), func() int { return len(s.received()) }
	}
}

// TLSA records whose answer lacks the AD bit (an unsigned zone, or a
// resolver that did not validate) are no DANE (RFC 7672 §2.2): delivery
// stays opportunistic, and a receiver the records would refuse gets the
// mail over unverified TLS.
func TestDANEUnsignedTLSAIsOpportunistic(t *testing.T) {
	t.Parallel()
	now := newTestClock().Now()
	env := newTLSEnv(t, now)
	sink := tlsSink(t, env.issue(t, now, "mx1.example.test"))
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		h.dns.AddTLSA(daneTLSA, 3, 1, 1, make([]byte, 32)) // matches nothing
		return env.daneResolver(t, h, false, "")
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "delivered")
	if ev.TLSPolicy != "opportunistic" || !ev.TLS || ev.TLSVerified {
		t.Errorf("policy %q tls %v verified %v; want opportunistic, unverified TLS", ev.TLSPolicy, ev.TLS, ev.TLSVerified)
	}
	if got := sink.received(); len(got) != 1 || !got[0] {
		t.Fatalf("sink got %v, want [true]", got)
	}
}

// A TLSA lookup that fails at the validating resolver (SERVFAIL) defers:
// the records might have asked for protection (RFC 7672 §2.2); nothing is
// dialled, and the event says dnssec-invalid.
func TestDANELookupFailureDefers(t *testing.T) {
	t.Parallel()
	env := newTLSEnv(t, newTestClock().Now())
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		h.dns.SetRcode(daneTLSA, 2) // SERVFAIL
		return env.daneResolver(t, h, true, "")
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "deferred")
	if ev.TLSResult != string(tlspolicy.ResultDNSSECInvalid) {
		t.Errorf("result %q (reply %q), want dnssec-invalid", ev.TLSResult, ev.Reply)
	}
	if got := h.dials.Load(); got != 0 {
		t.Errorf("%d connections, want none", got)
	}
	if n, _ := sink.Count(); n != 0 {
		t.Errorf("sink received %d messages", n)
	}
}

// Where the domain publishes MTA-STS in enforce mode and its MX host has
// DNSSEC-secure TLSA records, DANE decides (RFC 8461 §2): a certificate
// MTA-STS would refuse (no WebPKI name for the MX) but whose key the
// DANE-EE record names is delivered to, under "dane".
func TestDANEWinsOverMTASTS(t *testing.T) {
	t.Parallel()
	now := newTestClock().Now()
	env := newTLSEnv(t, now)
	cert := env.issue(t, now, "unrelated.example")
	sink := tlsSink(t, cert)
	h := policyHarness(t, env, sink.Port(), func(h *harness) *tlspolicy.Resolver {
		h.dns.AddTLSA(daneTLSA, 3, 1, 1, leafSPKI(t, cert))
		return env.daneResolver(t, h, true, env.publishSTS(t, h, "enforce", "mx1.example.test"))
	})
	h.enqueue([]string{"ann@example.test"}, nil)
	h.start()
	ev := h.events.wait(t, "ann@example.test", 1, "delivered")
	if ev.TLSPolicy != "dane" || !ev.TLSVerified {
		t.Errorf("policy %q verified %v, want verified under dane", ev.TLSPolicy, ev.TLSVerified)
	}
}

// A TLS report (FlagTLSReport) is delivered despite the receiver's TLS
// failing its policy, and that session is not counted for the next
// report (RFC 8460 §5.3): with DANE records and a receiver without
// STARTTLS, the ordinary messages are deferred and the report goes in
// clear over a connection of its own, which carries nothing else; only
// the ordinary messages' sessions are in the statistics. Either order:
// the report taken first (its connection must not carry the others), or
// behind an ordinary message (whose policy failure must not take the
// report down with it).
func TestTLSReportExemptFromPolicy(t *testing.T) {
	t.Parallel()
	for _, reportFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "report first", false: "report behind"}[reportFirst], func(t *testing.T) {
			t.Parallel()
			testTLSReportExempt(t, reportFirst)
		})
	}
}

func testTLSReportExempt(t *testing.T, reportFirst bool) {
	now := newTestClock().Now()
	env := newTLSEnv(t, now)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port, cfg.DisableTLS, cfg.MaxConnsPerDest = sink.Port(), false, 1
		h.dns.AddTLSA(daneTLSA, 3, 1, 1, leafSPKI(t, env.issue(t, now, "mx1.example.test")))
		cfg.TLSPolicy, cfg.TLSStats = env.daneResolver(t, h, true, ""), env.stats
	})
	report := func() {
		h.enqueue([]string{"tlsrpt@example.test"}, func(m *queue.Message) { m.Flags |= FlagTLSReport })
	}
	if reportFirst {
		report()
	}
	h.enqueue([]string{"ann@example.test"}, nil)
	if !reportFirst {
		report()
	}
	h.enqueue([]string{"bob@example.test"}, nil)
	// The MX lookup waits until all three are queued at the destination,
	// so that its one worker takes them in order.
	release := h.dns.Hold("example.test")
	h.start()
	waitFor(t, "three recipients claimed", func() bool { return h.engine.InFlight() == 3 })
	release()
	rep := h.events.wait(t, "tlsrpt@example.test", 1, "delivered")
	if rep.TLSPolicy != "exempt" || rep.TLSPolicySource != "tls-report" || rep.TLS {
		t.Errorf("report event policy %q from %q tls %v, want exempt, in clear", rep.TLSPolicy, rep.TLSPolicySource, rep.TLS)
	}
	for _, rcpt := range []string{"ann@example.test", "bob@example.test"} {
		if ev := h.events.wait(t, rcpt, 1, "deferred"); ev.TLSPolicy != "dane" {
			t.Errorf("%s: policy %q, want dane", rcpt, ev.TLSPolicy)
		}
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "tlsrpt@example.test" {
		t.Fatalf("sink got %d messages (%+v), want only the report", len(msgs), msgs)
	}
	var n uint64
	for k, v := range env.stats.Counts() {
		if k.Result != tlspolicy.ResultSTARTTLSNotSupported {
			t.Errorf("counted %+v ×%d: the report's session must not be counted", k, v)
		}
		n += v
	}
	if n == 0 {
		t.Error("the ordinary messages' sessions were not counted")
	}
}

// Without TLS policies the flag changes nothing: a report rides pooled
// connections like any message.
func TestTLSReportFlagWithoutPolicies(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := newHarness(t, func(h *harness, cfg *Config) { cfg.Port = sink.Port() })
	h.enqueue([]string{"tlsrpt@example.test", "ann@example.test"}, func(m *queue.Message) { m.Flags |= FlagTLSReport })
	h.start()
	ev := h.events.wait(t, "tlsrpt@example.test", 1, "delivered")
	if ev.TLSPolicy != "" {
		t.Errorf("policy %q without policies, want none", ev.TLSPolicy)
	}
	h.events.wait(t, "ann@example.test", 1, "delivered")
}
