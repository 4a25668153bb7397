package submit

import (
	"bytes"
	"strings"
	"testing"
)

// smuggledTxn is a second transaction hidden in a submission: a receiver
// that ends data at one of the bare line ends would read it as commands.
const smuggledTxn = "MAIL FROM:<boss@other.example>{}RCPT TO:<victim@rcpt.example>{}DATA{}From: boss@other.example{}{}pwned{}"

func lines(s, sep string) string { return strings.ReplaceAll(s, "{}", sep) }

// TestSubmitSmuggling submits every smuggling variant over SMTP, byte for
// byte, and checks what the spool holds: one message, with the hidden
// transaction as body text, no bare CR or LF, and no end of data before
// its end under the most lenient reading once dot-stuffed (RFC 5321
// §4.5.2) as delivery sends it.
func TestSubmitSmuggling(t *testing.T) {
	t.Parallel()
	// A CR right before the final CRLF.CRLF is not in these: go-smtp's
	// DATA reader (third_party/go-smtp, as upstream) then misses the end of data and waits.
	const head = "From: a@sender.example\r\nTo: victim@rcpt.example\r\nSubject: hi\r\n\r\nhello"
	for _, tc := range []struct{ name, data string }{
		{"bare CR", head + "\r.\r" + lines(smuggledTxn, "\r") + ".\rend\r\n.\r\n"},
		{"bare LF", head + "\n.\n" + lines(smuggledTxn, "\n") + ".\n\r\n.\r\n"},
		{"CR dot LF", head + "\r.\n" + lines(smuggledTxn, "\r\n") + ".\r\n"},
		{"LF dot CRLF", head + "\n.\r\n" + lines(smuggledTxn, "\r\n") + ".\r\n"},
		{"CR dot CRLF", head + "\r.\r\n" + lines(smuggledTxn, "\r\n") + ".\r\n"},
		{"CRLF dot CR", head + "\r\n.\r" + lines(smuggledTxn, "\r\n") + ".\r\n"},
		{"mixed", head + "\r.\n" + lines(smuggledTxn, "\n") + "\n.\r\n" + lines(smuggledTxn, "\r") + "\n.\rend\r\n.\r\n"},
		{"bare CR in the header", "From: a@sender.example\rSubject: hi\r\n\r\nhello\r\n.\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"sender.example"}})
			c := dialRaw(t, ts.addr).login("acme")
			c.want(c.send("a@sender.example", "victim@rcpt.example", tc.data), "250 2.0.0 queued as ")
			c.want(c.cmd("QUIT"), "221")
			msgs := ts.spool.messages()
			if len(msgs) != 1 {
				t.Fatalf("spool holds %d messages, want 1", len(msgs))
			}
			body := msgs[0].Body
			if i := bareLineEnd(body); i >= 0 {
				t.Fatalf("queued body has a bare CR or LF at %d: %q", i, body)
			}
			if i := lenientEnd(stuff(body)); i != len(stuff(body)) {
				t.Fatalf("queued body, dot-stuffed, ends data at %d of %d: %q", i, len(stuff(body)), body)
			}
			if strings.Contains(tc.data, "MAIL FROM") && !bytes.Contains(body, []byte("MAIL FROM:<boss@other.example>")) {
				t.Errorf("the hidden transaction is not body text: %q", body)
			}
		})
	}
}

// bareLineEnd returns the index of the first CR or LF in b that is not
// part of a CRLF, or -1.
func bareLineEnd(b []byte) int {
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') || c == '\r' && (i == len(b)-1 || b[i+1] != '\n') {
			return i
		}
	}
	return -1
}

// stuff dot-stuffs a CRLF message and ends it as SMTP data (RFC 5321
// §4.5.2, §4.1.1.4): the reference for what delivery writes.
func stuff(msg []byte) []byte {
	var out []byte
	for l := range bytes.Lines(msg) {
		if l[0] == '.' {
			out = append(out, '.')
		}
		out = append(out, l...)
	}
	return append(out, ".\r\n"...)
}

// lenientEnd returns where the most lenient receiver ends data: after the
// first "." alone between two line breaks (CR or LF, or the start). It is
// len(data) when that is the real end.
func lenientEnd(data []byte) int {
	for i := range data {
		if data[i] == '.' && (i == 0 || data[i-1] == '\r' || data[i-1] == '\n') && i+1 < len(data) && (data[i+1] == '\r' || data[i+1] == '\n') {
			if i+2 < len(data) && data[i+1] == '\r' && data[i+2] == '\n' {
				return i + 3
			}
			return i + 2
		}
	}
	return -1
}
