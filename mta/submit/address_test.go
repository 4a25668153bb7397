package submit

import (
	"strings"
	"testing"
)

// The redteam's F3 and F1: go-smtp unquotes a quoted local part, so MAIL
// FROM:<"spoof@b.test> BODY=8BITMIME"@c.test> reached the session as an
// address of c.test whose text, written back on a command line, carried
// another reverse-path and a parameter; quoted recipients became
// x@y@domain. And a domain written with a trailing dot, an address literal
// or an IDNA dot look-alike names a mailbox in a form its suppression key
// does not match. MAIL and RCPT now refuse all of these, each with its
// syntax reply, before anything is queued.
func TestEnvelopeAddressSyntax(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme",
		SenderDomains: []string{"sender.example", "bücher.example"}})
	const msg = "From: a@sender.example\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"
	bad := []string{
		`"spoof@b.test> BODY=8BITMIME"@X`,
		`"spoof@b.test>"@X`,
		`"a b"@X`,
		`"a\"b"@X`,
		`"a\\b"@X`,
		`"x@y"@X`,
		`"a,b"@X`,
		`"(a)"@X`,
		`"a<b"@X`,
		`"a;b"@X`,
		`"a:b"@X`,
		`"[a]"@X`,
		`"a\ b"@X`,
		`"a	b"@X`, // a TAB inside the quotes
	}
	badDomain := []string{
		"a@D.",          // F1: trailing dot
		"a@D..",         // two
		"a@.D",          // leading
		"a@D..example",  // empty label
		"a@[192.0.2.1]", // address literal
		"a@[IPv6:2001:db8::1]",
		"a@D\u3002example", // IDNA maps U+3002 to "."
		"a@D\uff0eexample", // and U+FF0E
		"a@D_x.example",    // not LDH
		"a@-D.example",     // hyphen first
		"a@D-.example",     // hyphen last
		"a@" + strings.Repeat("x", 64) + ".example", // label over 63
		"a@D%x.example",
		"a@D!x.example",
		"a@ｒD.example",                // full-width r: IDNA maps it to "r"
		"a@bÜD.example",               // upper-case non-ASCII: mapped to ü
		"a@xn--bcher-kva.büD.example", // an A-label among U-labels
	}
	type tc struct{ mail, rcpt, want, reason string }
	var cases []tc
	for _, b := range bad {
		cases = append(cases,
			tc{"MAIL FROM:<" + strings.ReplaceAll(b, "X", "sender.example") + "> SMTPUTF8", "", "553 5.1.7", "bad_sender_syntax"},
			tc{"", "RCPT TO:<" + strings.ReplaceAll(b, "X", "rcpt.example") + ">", "501 5.1.3", "bad_address"})
	}
	for _, b := range badDomain {
		cases = append(cases,
			tc{"MAIL FROM:<" + strings.ReplaceAll(b, "D", "sender") + "> SMTPUTF8", "", "553 5.1.7", "bad_sender_syntax"},
			tc{"", "RCPT TO:<" + strings.ReplaceAll(b, "D", "rcpt") + ">", "501 5.1.3", "bad_address"})
	}
	// A quoted local part that needs no quotes is the same mailbox as the
	// dot-atom (RFC 5321 §4.1.2), and IDN domains and dots out of place in
	// the local part (old mobile carriers' mailboxes) still pass.
	cases = append(cases, []tc{
		{"MAIL FROM:<\"a.b\"@sender.example>", "RCPT TO:<\"r.s\"@rcpt.example>", "250 ", ""},
		{"MAIL FROM:<a@bücher.example> SMTPUTF8", "RCPT TO:<r@bücher.example>", "250 ", ""},
		{"", "RCPT TO:<a..b.@docomo.example>", "250 ", ""},
		{"", "RCPT TO:<o'brien+x=y@Rcpt-1.Example>", "250 ", ""},
	}...)
	for _, tc := range cases {
		t.Run(tc.mail+tc.rcpt, func(t *testing.T) {
			c := dialRaw(t, ts.addr).login("acme")
			if tc.mail == "" {
				tc.mail = "MAIL FROM:<a@sender.example> SMTPUTF8"
			}
			if tc.rcpt == "" {
				tc.rcpt = "RCPT TO:<r@rcpt.example>"
			}
			queued := len(ts.spool.messages())
			before := ts.rejected(tc.reason)
			got := c.cmd(tc.mail)
			if strings.HasPrefix(got, "250") {
				got = c.cmd(tc.rcpt)
			}
			if strings.HasPrefix(got, "250") {
				c.want(c.cmd("DATA"), "354")
				c.write(msg)
				got = c.reply()
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("reply %q, want %s…", got, tc.want)
			}
			if tc.reason == "" {
				return
			}
			if n := ts.rejected(tc.reason); n != before+1 {
				t.Errorf("%s counted %d times, want %d", tc.reason, n, before+1)
			}
			if n := len(ts.spool.messages()); n != queued {
				t.Errorf("%d messages queued after a refusal", n-queued)
			}
		})
	}
}

func TestValidAddress(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"a@b.example":                   true,
		"a.b+c@b-c.example":             true,
		"zoë@bücher.example":            true,
		"a@localhost":                   true,
		"a@xn--bcher-kva.example":       true,
		"a@b.example.":                  false,
		"a@[127.0.0.1]":                 false,
		"x@y@b.example":                 false,
		"a b@b.example":                 false,
		"a@b.example> SIZE=1":           false,
		"a@xn--.example":                false, // a label ends in a hyphen
		"a@b\uff61example":              false,
		"a@" + strings.Repeat("b", 250): false,
		"a":                             false,
		"@b.example":                    false,
	} {
		if got := ValidAddress(addr); got != want {
			t.Errorf("ValidAddress(%q) = %v, want %v", addr, got, want)
		}
	}
}
