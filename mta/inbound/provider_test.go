package inbound

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"sluice/dkim"
	"sluice/mta/mx/dnstest"
)

// signer is a provider's DKIM key, published in a real DNS server.
type signer struct {
	s *dkim.Signer
}

// newSigner makes an Ed25519 key for domain and selector s1 and publishes
// it in dns (unless publish is false).
func newSigner(t *testing.T, dns *dnstest.Server, domain string, publish bool) signer {
	t.Helper()
	key, err := dkim.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	if publish {
		v, err := dkim.TXTValue(key.Public())
		if err != nil {
			t.Fatal(err)
		}
		dns.AddTXT("s1._domainkey."+domain, v)
	}
	now := func() time.Time { return time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC) }
	s, err := dkim.NewSigner(dkim.Options{Keys: []dkim.Key{{Domain: domain, Selector: "s1", Signer: key}}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return signer{s}
}

func (s signer) sign(t *testing.T, msg []byte) []byte {
	t.Helper()
	fields, ok, err := s.s.Sign(msg)
	if err != nil || !ok {
		t.Fatalf("Sign: %v %v", ok, err)
	}
	return append(fields, msg...)
}

// dnsResolver is a *net.Resolver that asks only the test server.
func dnsResolver(s *dnstest.Server) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.Addr())
	}}
}

// TestProviderAuthenticatedComplaint: a report whose DKIM signature
// verifies for a configured feedback-loop provider, about a message sent
// from one of our addresses, may be attributed by the returned copy's
// message id and the address it names; a broken signature, an unlisted
// signer, a provider's ordinary user, an unpublished key, or a Source-IP
// that is not ours (or none) may not.
func TestProviderAuthenticatedComplaint(t *testing.T) {
	t.Parallel()
	providers := []string{"fbl.provider.test", "feedback@arf.webmail.test"}
	tests := []struct {
		name    string
		from    string // the report's From
		domain  string // the signer's d=
		publish bool
		tamper  bool   // change the body after signing
		redact  bool   // no Original-Rcpt-To: the copy's To names the recipient
		headers bool   // the copy returned as text/rfc822-headers
		source  string // the report's Source-IP; default ourIP, "-" for none
		applied bool
	}{
		{"provider domain", "complaints@fbl.provider.test", "fbl.provider.test", true, false, false, false, "", true},
		{"provider subdomain", "fbl@eu.fbl.provider.test", "eu.fbl.provider.test", true, false, false, false, "", true},
		{"redacted, copy's To names the recipient", "complaints@fbl.provider.test", "fbl.provider.test", true, false, true, false, "", true},
		{"provider address, signed by its parent domain", "feedback@arf.webmail.test", "webmail.test", true, false, false, false, "", true},
		{"headers-only copy", "complaints@fbl.provider.test", "fbl.provider.test", true, false, false, true, "", true},
		{"source-ip ours, bracketed", "complaints@fbl.provider.test", "fbl.provider.test", true, false, false, false, "[" + ourIP + "]", true},
		{"source-ip not ours", "complaints@fbl.provider.test", "fbl.provider.test", true, false, false, false, "203.0.113.66", false},
		{"no source-ip", "complaints@fbl.provider.test", "fbl.provider.test", true, false, false, false, "-", false},
		{"broken signature", "complaints@fbl.provider.test", "fbl.provider.test", true, true, false, false, "", false},
		{"unlisted domain", "complaints@fbl.elsewhere.test", "fbl.elsewhere.test", true, false, false, false, "", false},
		{"look-alike domain", "complaints@evilfbl.provider.test.evil.test", "evil.test", true, false, false, false, "", false},
		{"provider's ordinary user", "mallory@webmail.test", "webmail.test", true, false, false, false, "", false},
		{"key not published", "complaints@fbl.provider.test", "fbl.provider.test", false, false, false, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dns := dnstest.NewServer(t)
			fbl, err := NewFBLAuth(providers, dnsResolver(dns), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, fbl)
			id := e.enqueue(t, tenantA, attacker, victim)
			o := arfOpts{from: tt.from, origRcpt: victim, sourceIP: ourIP, headersOn: tt.headers}
			switch tt.source {
			case "":
			case "-":
				o.sourceIP = ""
			default:
				o.sourceIP = tt.source
			}
			if tt.redact {
				o.origRcpt = ""
			}
			report := arf(t, o, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
			signed := newSigner(t, dns, tt.domain, tt.publish).sign(t, report)
			if tt.tamper {
				signed = bytes.Replace(signed, []byte("Feedback-Type: abuse"), []byte("Feedback-Type: fraud"), 1)
			}
			e.send(t, "fbl@"+bounceDomain, signed)
			ev := e.next(t)
			if ev.Kind != "complaint" || ev.Rcpt != victim || ev.Suppressed != tt.applied {
				t.Errorf("event = %+v; want a complaint of %s, applied %v", ev, victim, tt.applied)
			}
			wantVia := ViaMessageIDUnverified
			if tt.applied {
				wantVia = ViaFBLProvider
			}
			if ev.Via != wantVia {
				t.Errorf("via = %q, want %q", ev.Via, wantVia)
			}
			if got := e.suppressed(tenantA, victim); got != tt.applied {
				t.Errorf("suppressed = %v, want %v", got, tt.applied)
			}
		})
	}
}

// TestProviderVouchesNotForBounces: a provider's signature vouches for
// complaints only; a signed DSN by message id stays unverified.
func TestProviderVouchesNotForBounces(t *testing.T) {
	t.Parallel()
	dns := dnstest.NewServer(t)
	fbl, err := NewFBLAuth([]string{"fbl.provider.test"}, dnsResolver(dns), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, fbl)
	id := e.enqueue(t, tenantA, attacker, victim)
	msg := dsn(t, victim, "5.1.1", "550 5.1.1 User unknown", msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
	msg = bytes.Replace(msg, []byte("MAILER-DAEMON@mx.dest.test"), []byte("MAILER-DAEMON@fbl.provider.test"), 1)
	e.send(t, "fbl@"+bounceDomain, newSigner(t, dns, "fbl.provider.test", true).sign(t, msg))
	if ev := e.next(t); ev.Suppressed || ev.Via != ViaMessageIDUnverified {
		t.Errorf("event = %+v; want an unverified bounce", ev)
	}
}

// TestNewFBLAuth checks the provider entries.
func TestNewFBLAuth(t *testing.T) {
	t.Parallel()
	dns := dnstest.NewServer(t)
	tests := []struct {
		entry string
		ok    bool
	}{
		{"yahoo.com", true},
		{"Comcast.NET.", true},
		{"feedback@arf.mail.yahoo.com", true},
		{"com", false},
		{"", false},
		{"@yahoo.com", false},
		{"exa mple.com", false},
		{"-bad.com", false},
		{"x@com", false},
	}
	for _, tt := range tests {
		_, err := NewFBLAuth([]string{tt.entry}, dnsResolver(dns), 0)
		if (err == nil) != tt.ok {
			t.Errorf("NewFBLAuth(%q) = %v, want ok %v", tt.entry, err, tt.ok)
		}
	}
	if _, err := NewFBLAuth([]string{"yahoo.com"}, nil, 0); err == nil {
		t.Error("providers without a resolver accepted")
	}
}
