package submit

import (
	"net/netip"
	"strings"
	"testing"
)

// TestFromPolicy submits messages whose From and Sender fields name
// addresses in and out of the tenant's domains, in every RFC 5322 §3.6.2
// shape, over SMTP, and checks the reply and the metrics reason.
func TestFromPolicy(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"Sender.Example."}},
		&Tenant{Name: "esp", Username: "esp", SenderDomains: []string{"esp.example"},
			FromAllow: []string{"partner.example", "ceo@big.example", "ks@big.example"}},
		&Tenant{Name: "kk", Username: "kk", SenderDomains: []string{"kk.example"}})
	const other = "550 5.7.1 From header address not allowed for this account: other.example"
	for _, tc := range []struct {
		name, user, header string
		want, reason       string
	}{
		{"own domain", "acme", "From: a@sender.example", "250 ", ""},
		{"subdomain, case; configured with a trailing dot", "acme", "From: A <a@Mail.SENDER.example>", "250 ", ""},
		{"another tenant's domain", "acme", "From: Boss <boss@other.example>", other, "from_not_allowed"},
		{"a suffix that is no subdomain", "acme", "From: a@evilsender.example",
			"550 5.7.1 From header address not allowed for this account: evilsender.example", "from_not_allowed"},
		{"second address", "acme", "From: a@sender.example, boss@other.example", other, "from_not_allowed"},
		{"group", "acme", "From: team: a@sender.example, boss@other.example;", other, "from_not_allowed"},
		{"group of own", "acme", "From: team: a@sender.example, b@sender.example;", "250 ", ""},
		{"address as quoted display name", "acme", "From: \"boss@other.example\" <a@sender.example>", "250 ", ""},
		{"quoted local part", "acme", "From: \"a@sender.example\"@other.example", other, "from_not_allowed"},
		{"comment", "acme", "From: a@sender.example (boss@other.example)", "250 ", ""},
		{"encoded word, unknown charset", "acme", "From: =?koi8-r?B?9MXT1A==?= <boss@other.example>", other, "from_not_allowed"},
		// net/mail refuses an encoded word that decodes to specials.
		{"encoded word holding an address", "acme", "From: =?utf-8?Q?a@sender.example?= <boss@other.example>", "554 5.6.0", "bad_from"},
		{"folded", "acme", "From: Boss\r\n <boss@other.example>", other, "from_not_allowed"},
		{"UTF-8 display name", "acme", "From: Zoë <a@sender.example>", "250 ", ""},
		{"no From", "acme", "Subject: x", "554 5.6.0 Message needs exactly one valid From header", "bad_from"},
		{"two From", "acme", "From: a@sender.example\r\nFrom: b@sender.example", "554 5.6.0", "bad_from"},
		{"empty group", "acme", "From: undisclosed:;", "554 5.6.0", "bad_from"},
		{"garbage", "acme", "From: a@sender.example <<<", "554 5.6.0", "bad_from"},
		{"no domain", "acme", "From: a", "554 5.6.0", "bad_from"},
		{"Sender elsewhere", "acme", "From: a@sender.example\r\nSender: boss@other.example",
			"550 5.7.1 Sender header address not allowed for this account: other.example", "from_not_allowed"},
		{"two Sender", "acme", "From: a@sender.example\r\nSender: a@sender.example\r\nSender: b@sender.example", "554 5.6.0", "bad_from"},
		{"allowed domain", "esp", "From: x@partner.example", "250 ", ""},
		{"allowed address", "esp", "From: CEO <ceo@BIG.example>", "250 ", ""},
		{"not the allowed address", "esp", "From: cfo@big.example",
			"550 5.7.1 From header address not allowed for this account: big.example", "from_not_allowed"},
		// Finding 13: Unicode case rules map U+212A KELVIN SIGN to "k".
		{"Kelvin sign for k", "kk", "From: me@\u212Ak.example",
			"550 5.7.1 From header address not allowed for this account", "from_not_allowed"},
		{"Kelvin sign in the allowed address", "esp", "From: \u212As@big.example",
			"550 5.7.1 From header address not allowed for this account: big.example", "from_not_allowed"},
		{"the allowed address, case", "esp", "From: KS@big.example", "250 ", ""},
		{"U-label under an ASCII domain", "acme", "From: a@\u00fc.sender.example",
			"550 5.7.1 From header address not allowed for this account", "from_not_allowed"},
		// Finding 14: the resent fields (RFC 5322 §3.6.6).
		{"Resent-From elsewhere", "acme", "From: a@sender.example\r\nResent-From: boss@other.example",
			"550 5.7.1 Resent-From header address not allowed for this account: other.example", "from_not_allowed"},
		{"Resent-Sender elsewhere", "acme", "From: a@sender.example\r\nResent-From: a@sender.example\r\nResent-Sender: boss@other.example",
			"550 5.7.1 Resent-Sender header address not allowed for this account: other.example", "from_not_allowed"},
		{"second resent block elsewhere", "acme", "From: a@sender.example\r\nResent-From: a@sender.example\r\nRESENT-FROM: x@sender.example, boss@other.example",
			"550 5.7.1 Resent-From header address not allowed for this account: other.example", "from_not_allowed"},
		{"resent blocks of own", "acme", "From: a@sender.example\r\nResent-From: b@sender.example\r\nResent-Sender: c@mail.sender.example\r\nResent-From: d@sender.example",
			"250 ", ""},
		{"Resent-From garbage", "acme", "From: a@sender.example\r\nResent-From: <<<", "554 5.6.0 Resent-From", "bad_from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, ts.addr).login(tc.user)
			from := map[string]string{"acme": "a@sender.example", "esp": "a@esp.example", "kk": "a@kk.example"}[tc.user]
			before := ts.rejected(tc.reason)
			got := c.send(from, "r@rcpt.example", tc.header+"\r\nSubject: hi\r\n\r\nbody\r\n.\r\n")
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("reply %q, want %q", got, tc.want)
			}
			if tc.reason != "" && ts.rejected(tc.reason) != before+1 {
				t.Errorf("reason %q not counted", tc.reason)
			}
		})
	}
}

// A trusted network's sessions send as the trusted tenant without AUTH,
// under the same From policy.
func TestFromPolicyTrustedNetwork(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{TrustedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, TrustedTenant: "acme"},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"sender.example"}})
	c := dialRaw(t, ts.addr)
	c.want(c.send("a@sender.example", "r@rcpt.example", "From: boss@other.example\r\n\r\nx\r\n.\r\n"), "550 5.7.1 From header")
	c.want(c.send("a@sender.example", "r@rcpt.example", "To: r@rcpt.example\r\n\r\nx\r\n.\r\n"), "554 5.6.0")
	c.want(c.send("a@sender.example", "r@rcpt.example", "From: a@sender.example\r\n\r\nx\r\n.\r\n"), "250 ")
	if n := len(ts.spool.messages()); n != 1 {
		t.Fatalf("spool holds %d messages, want 1", n)
	}
}

// The envelope sender's domain is compared in ASCII case only too.
func TestMaySendASCIIOnly(t *testing.T) {
	t.Parallel()
	tn := &Tenant{SenderDomains: []string{"KK.example", "b\u00fccher.example"}}
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"a@kk.example", true},
		{"a@Kk.EXAMPLE.", true},
		{"a@\u212Ak.example", false},
		{"a@mail.\u212Ak.example", false},
		{"a@\u00fc.kk.example", false},
		{"a@b\u00fccher.example", true},
		{"a@B\u00fcCHER.example", true},
		{"a@b\u00dccher.example", false}, // U+00DC: not ASCII, so not folded
	} {
		if got := tn.MaySend(tc.addr); got != tc.want {
			t.Errorf("MaySend(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	ts := startServer(t, Config{}, &Tenant{Name: "kk", Username: "kk", SenderDomains: []string{"kk.example"}})
	c := dialRaw(t, ts.addr).login("kk")
	// Refused before the domain check now: IDNA maps U+212A to "k", so
	// the domain is kk.example written a second way (address.go).
	c.want(c.cmd("MAIL FROM:<me@\u212Ak.example> SMTPUTF8"), "553 5.1.7")
	c.want(c.cmd("MAIL FROM:<me@x\u00fcx.example> SMTPUTF8"), "553 5.7.1")
}
