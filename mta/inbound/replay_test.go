package inbound

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/mx/dnstest"
	"sluice/queue"
)

// providerEnv is an env whose FBL trusts fbl.provider.test, with the
// provider's key published in a real DNS server.
func providerEnv(t *testing.T, sending []netip.Prefix) (*env, *dnstest.Server, signer) {
	t.Helper()
	d := dnstest.NewServer(t)
	fbl, err := NewFBLAuth([]string{"fbl.provider.test"}, dnsResolver(d), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return newEnvSending(t, fbl, sending), d, newSigner(t, d, "fbl.provider.test", true)
}

// TestReplayedProviderReport: the provider's signature proves who wrote
// the report, not that the reported message was ours. An attacker writes a
// message naming the victim and our id, has the provider report it, and
// forwards the signed report with unsigned fields of their own. Before the
// fix each was applied (via fbl_provider, the victim suppressed).
func TestReplayedProviderReport(t *testing.T) {
	t.Parallel()
	const theirIP = "203.0.113.66"
	tests := []struct {
		name string
		make func(t *testing.T, id queue.ID, sign func([]byte) []byte) []byte
	}{
		{"attacker's own copy, In-Reply-To prepended", func(t *testing.T, id queue.ID, sign func([]byte) []byte) []byte {
			cp := msgCopy{to: victim, id: id, body: "hi"}.bytes(t)
			signed := sign(arf(t, arfOpts{from: "complaints@fbl.provider.test", sourceIP: theirIP}, cp))
			return append([]byte("In-Reply-To: <"+id.String()+".1@tenant-a.test>\r\n"), signed...)
		}},
		{"our address, id only in a prepended In-Reply-To", func(t *testing.T, id queue.ID, sign func([]byte) []byte) []byte {
			cp := msgCopy{to: victim, body: "hi"}.bytes(t) // no X-Sluice-ID
			signed := sign(arf(t, arfOpts{from: "complaints@fbl.provider.test", sourceIP: ourIP}, cp))
			return append([]byte("In-Reply-To: <"+id.String()+".1@tenant-a.test>\r\n"), signed...)
		}},
		{"prepended Content-Type reshapes the signed body", func(t *testing.T, id queue.ID, sign func([]byte) []byte) []byte {
			// The attacker's message carries a report structure of its
			// own; a second, unsigned Content-Type would make it the one
			// read (readers take the first field, DKIM the last).
			fake := "--zz\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nSource-IP: " + ourIP + "\r\n\r\n" +
				"--zz\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: " + victim + "\r\nX-Sluice-ID: " + id.String() + "\r\n\r\n--zz--"
			cp := msgCopy{to: "friend@elsewhere.test", body: fake}.bytes(t)
			signed := sign(arf(t, arfOpts{from: "complaints@fbl.provider.test", sourceIP: theirIP}, cp))
			return append([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=zz\r\n"), signed...)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _, s := providerEnv(t, []netip.Prefix{netip.MustParsePrefix(ourIP + "/32")})
			id := e.enqueue(t, tenantA, attacker, victim)
			e.send(t, "fbl@"+bounceDomain, tt.make(t, id, func(b []byte) []byte { return s.sign(t, b) }))
			ev := e.next(t)
			if ev.Suppressed || ev.Via == ViaFBLProvider {
				t.Errorf("event = %+v; want the replayed report not applied", ev)
			}
			if e.suppressed(tenantA, victim) {
				t.Errorf("%s suppressed by a replayed provider report", victim)
			}
		})
	}
}

// TestProviderPathNeedsSendingIPs: with no sending addresses configured a
// provider's word proves nothing, and costs no DNS lookup.
func TestProviderPathNeedsSendingIPs(t *testing.T) {
	t.Parallel()
	e, d, s := providerEnv(t, nil)
	id := e.enqueue(t, tenantA, attacker, victim)
	cp := msgCopy{to: victim, id: id, body: "hi"}.bytes(t)
	e.send(t, "fbl@"+bounceDomain, s.sign(t, arf(t, arfOpts{from: "complaints@fbl.provider.test", origRcpt: victim, sourceIP: ourIP}, cp)))
	if ev := e.next(t); ev.Suppressed || ev.Via != ViaMessageIDUnverified {
		t.Errorf("event = %+v; want an unverified complaint", ev)
	}
	if n := d.Queries("s1._domainkey.fbl.provider.test", dns.TypeTXT); n != 0 {
		t.Errorf("%d key lookups with no sending addresses configured", n)
	}
}

// TestDKIMLookupsOnlyForProviders: a report signed by any other d= costs
// no DNS query (a stranger's slow DNS would hold the worker for the whole
// timeout); the configured provider's key is looked up.
func TestDKIMLookupsOnlyForProviders(t *testing.T) {
	t.Parallel()
	e, d, provider := providerEnv(t, []netip.Prefix{netip.MustParsePrefix(ourIP + "/32")})
	stranger := newSigner(t, d, "slow.evil.test", true)
	id := e.enqueue(t, tenantA, attacker, victim)
	report := func(from string) []byte {
		return arf(t, arfOpts{from: from, origRcpt: victim, sourceIP: ourIP}, msgCopy{to: victim, id: id, body: "hi"}.bytes(t))
	}
	e.send(t, "fbl@"+bounceDomain, stranger.sign(t, report("complaints@slow.evil.test")))
	if ev := e.next(t); ev.Suppressed {
		t.Errorf("event = %+v; want not applied", ev)
	}
	if n := d.Queries("s1._domainkey.slow.evil.test", dns.TypeTXT); n != 0 {
		t.Errorf("%d lookups of a stranger's key", n)
	}
	e.send(t, "fbl@"+bounceDomain, provider.sign(t, report("complaints@fbl.provider.test")))
	if ev := e.next(t); !ev.Suppressed || ev.Via != ViaFBLProvider {
		t.Errorf("event = %+v; want applied on the provider's word", ev)
	}
	if n := d.Queries("s1._domainkey.fbl.provider.test", dns.TypeTXT); n == 0 {
		t.Error("the provider's key was not looked up")
	}
}

// TestMayLookUp: key lookups are allowed under a domain entry, and under
// an address entry's domain and its parents but the top-level domain.
func TestMayLookUp(t *testing.T) {
	t.Parallel()
	a, err := NewFBLAuth([]string{"fbl.provider.test", "feedback@arf.webmail.test"}, dnsResolver(dnstest.NewServer(t)), 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"s1._domainkey.fbl.provider.test", true},
		{"S1._DomainKey.EU.fbl.provider.test.", true},
		{"s1._domainkey.provider.test", false},
		{"s1._domainkey.arf.webmail.test", true},
		{"s1._domainkey.webmail.test", true},
		{"s1._domainkey.test", false},
		{"s1._domainkey.x.arf.webmail.test", false},
		{"s1._domainkey.evilfbl.provider.test", false},
		{"x._domainkey.fbl.provider.test._domainkey.evil.test", false},
		{"fbl.provider.test", false},
	}
	for _, tt := range tests {
		if got := a.mayLookUp(tt.name); got != tt.ok {
			t.Errorf("mayLookUp(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

// TestFoldedReportDoesNotStallWorker: a 10 MiB report whose header is one
// field folded over millions of lines is processed promptly, and the
// return after it too (the quadratic parsers held the worker for hours).
func TestFoldedReportDoesNotStallWorker(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.enqueue(t, tenantA, victim)
	big := foldedHeader(10<<20 - 4096)
	big = bytes.Replace(big, []byte("From: <complaints@fbl.provider.test>"), []byte("From: <abuse@isp.test>\r\nSubject: complaint"), 1)
	start := time.Now()
	e.send(t, "fbl@"+bounceDomain, big)
	e.next(t)
	e.send(t, e.verp(t, id, 0), dsn(t, victim, "5.1.1", "550 5.1.1 User unknown", msgCopy{to: victim, id: id, body: "hi"}.bytes(t)))
	if ev := e.next(t); !ev.Suppressed {
		t.Errorf("event = %+v; want the bounce after it applied", ev)
	}
	// The quadratic parsers took hours; linear ones take about 1 s, 7–11 s
	// under -race on a loaded 2-core machine.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("two returns took %v", d)
	}
}
