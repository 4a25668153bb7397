package submit

import (
	"strings"
	"testing"

	"sluice/queue"
)

// TestNoTenantSetsTLSReportFlag: whatever a tenant sends (MAIL FROM
// parameters, 8-bit and UTF-8 content, headers that look like a TLS
// report's or ask for no TLS), a stored message's flags only ever carry
// the bits submission computes from the envelope and body (8BITMIME,
// SMTPUTF8), never queue.FlagTLSReport, which would take the mail out of
// the receiver's TLS policy (RFC 8460 §5.3 is for the node's own reports).
func TestNoTenantSetsTLSReportFlag(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	own := queue.FlagEightBit | queue.FlagSMTPUTF8
	if own&queue.FlagTLSReport != 0 {
		t.Fatal("FlagTLSReport shares a bit with submission's own flags")
	}
	cases := []struct{ params, headers, body string }{
		{"", "", "hello"},
		{" BODY=8BITMIME", "", "h\u00e9llo"},
		{" SMTPUTF8", "", "hello"},
		{" BODY=8BITMIME SMTPUTF8", "", "gr\u00fc\u00dfe"},
		{"", "Content-Type: multipart/report; report-type=tlsrpt\r\nTLS-Report-Domain: example.net\r\nTLS-Report-Submitter: x\r\n", "{}"},
		{"", "TLS-Required: No\r\n", "hello"}, // RFC 8689 §5: honoured by no part of sluice
		{"", "X-Sluice-Flags: 255\r\nX-Sluice-TLS-Report: 1\r\n", "hello"},
		{" BODY=7BIT", "", "hello"},
		{" X-FLAGS=4", "", "hello"},    // an unknown parameter: refused or ignored, never a flag
		{" REQUIRETLS", "", "hello"},   // not offered
		{" FLAGS=255", "", "hello"},    // neither
		{" BODY=BINARYMIME", "", "hi"}, // nor this
	}
	accepted := 0
	for _, tc := range cases {
		c := dialRaw(t, ts.addr).login("acme")
		if r := c.cmd("MAIL FROM:<n@acme.example>" + tc.params); !strings.HasPrefix(r, "250") {
			continue
		}
		c.want(c.cmd("RCPT TO:<ann@example.net>"), "250")
		c.want(c.cmd("DATA"), "354")
		c.write("From: n@acme.example\r\nTo: ann@example.net\r\nSubject: report\r\n" + tc.headers + "\r\n" + tc.body + "\r\n.\r\n")
		c.want(c.reply(), "250")
		accepted++
	}
	msgs := ts.spool.messages()
	if len(msgs) != accepted || accepted < 7 {
		t.Fatalf("%d messages stored, %d accepted", len(msgs), accepted)
	}
	var seen uint8
	for i, m := range msgs {
		if m.Flags&queue.FlagTLSReport != 0 || m.Flags&^own != 0 {
			t.Errorf("message %d stored with flags %08b", i, m.Flags)
		}
		seen |= m.Flags
	}
	if seen != own { // the flags submission does set are seen here
		t.Errorf("flags seen %08b, want %08b", seen, own)
	}
}
