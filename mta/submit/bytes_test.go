package submit

import (
	"strings"
	"testing"
)

// TestInvalidBytes sends hostile bytes in MAIL FROM, RCPT TO, header
// fields and body over SMTP and checks each gets its reply (RFC 3463
// codes), counted under its reason, with a text free of the bytes.
func TestInvalidBytes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"sender.example"}})
	const msg = "From: a@sender.example\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"
	for _, tc := range []struct {
		name         string
		mail, rcpt   string // command lines; "" for the default
		data         string // "" when the refusal comes before DATA
		want, reason string
	}{
		{"MAIL not UTF-8", "MAIL FROM:<a\xff\xfe@sender.example>", "", "", "553 5.1.7", "bad_sender_syntax"},
		{"MAIL overlong", "MAIL FROM:<\xc0\xafa@sender.example>", "", "", "553 5.1.7", "bad_sender_syntax"},
		{"MAIL surrogate", "MAIL FROM:<\xed\xa0\x80@sender.example> SMTPUTF8", "", "", "553 5.1.7", "bad_sender_syntax"},
		{"MAIL control", "MAIL FROM:<a\x01b@sender.example>", "", "", "553 5.1.7", "bad_sender_syntax"},
		{"MAIL C1 control", "MAIL FROM:<a\u0085b@sender.example> SMTPUTF8", "", "", "553 5.1.7", "bad_sender_syntax"},
		{"MAIL UTF-8 without SMTPUTF8", "MAIL FROM:<zoë@sender.example>", "", "", "553 5.6.7", "needs_smtputf8"},
		{"MAIL UTF-8 with SMTPUTF8", "MAIL FROM:<zoë@sender.example> SMTPUTF8", "", msg, "250 ", ""},
		{"RCPT not UTF-8", "", "RCPT TO:<bad\xff\xfe@rcpt.example>", "", "501 5.1.3", "bad_address"},
		{"RCPT not UTF-8, SMTPUTF8", "MAIL FROM:<a@sender.example> SMTPUTF8", "RCPT TO:<bad\xff\xfe@rcpt.example>", "", "501 5.1.3", "bad_address"},
		{"RCPT overlong", "", "RCPT TO:<\xc1\x81@rcpt.example>", "", "501 5.1.3", "bad_address"},
		{"RCPT control", "", "RCPT TO:<a\x7f@rcpt.example>", "", "501 5.1.3", "bad_address"},
		{"RCPT UTF-8 without SMTPUTF8", "", "RCPT TO:<zoë@rcpt.example>", "", "553 5.6.7", "needs_smtputf8"},
		{"RCPT UTF-8 with SMTPUTF8", "MAIL FROM:<a@sender.example> SMTPUTF8", "RCPT TO:<zoë@rcpt.example>", msg, "250 ", ""},
		{"NUL in Subject", "", "", "From: a@sender.example\r\nSubject: a\x00b\r\n\r\nbody\r\n.\r\n", "554 5.6.0", "nul_byte"},
		{"NUL in body", "", "", "From: a@sender.example\r\n\r\nbo\x00dy\r\n.\r\n", "554 5.6.0", "nul_byte"},
		{"Latin-1 Subject", "", "", "From: a@sender.example\r\nSubject: caf\xe9\r\n\r\nbody\r\n.\r\n", "554 5.6.0", "bad_header_bytes"},
		{"overlong in a header", "", "", "From: a@sender.example\r\nX-A: \xc0\xaf\r\n\r\nbody\r\n.\r\n", "554 5.6.0", "bad_header_bytes"},
		{"UTF-8 Subject", "", "", "From: a@sender.example\r\nSubject: café\r\n\r\nbody\r\n.\r\n", "250 ", ""},
		{"8-bit body", "", "", "From: a@sender.example\r\nSubject: x\r\n\r\ncaf\xe9\r\n.\r\n", "250 ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, ts.addr).login("acme")
			if tc.mail == "" {
				tc.mail = "MAIL FROM:<a@sender.example>"
			}
			if tc.rcpt == "" {
				tc.rcpt = "RCPT TO:<r@rcpt.example>"
			}
			before := ts.rejected(tc.reason)
			got := c.cmd(tc.mail)
			if strings.HasPrefix(got, "250") {
				got = c.cmd(tc.rcpt)
			}
			if strings.HasPrefix(got, "250") && tc.data != "" {
				c.want(c.cmd("DATA"), "354")
				c.write(tc.data)
				got = c.reply()
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("reply %q, want %s…", got, tc.want)
			}
			for _, r := range got {
				if r < ' ' || r > '~' {
					t.Fatalf("reply %q holds a byte that is not printable ASCII", got)
				}
			}
			if tc.reason != "" && ts.rejected(tc.reason) != before+1 {
				t.Errorf("reason %q not counted", tc.reason)
			}
		})
	}
}
