package submit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"sluice/dkim"
)

// A newsletter whose HTML part is one 20 KB line (as applications write
// it) is accepted, stored with every line within RFC 5322's 998 octets by
// re-encoding only that part, and its DKIM signature (made after the
// re-encoding) verifies; the text part is kept byte for byte. A line over
// the configured limit gets 500 5.5.2 naming it; a header line that cannot
// be folded gets 554 5.6.0.
func TestLongLines(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1795000000, 0)
	signer, err := dkim.NewSigner(dkim.Options{Keys: []dkim.Key{{Domain: "acme.example", Selector: "s1", Signer: priv}},
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, Config{MaxLineLength: 65536}, &Tenant{Name: "acme", Username: "acme",
		SenderDomains: []string{"acme.example"}, Signer: signer})

	html := "<html><body>" + strings.Repeat(`<td class="x">café &amp; ünïcode</td>`, 600) + "</body></html>"
	text := "Plain part, short lines.\r\nSecond line.\r\n"
	msg := "From: News <news@acme.example>\r\nTo: ann@example.net\r\nSubject: long\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + html + "\r\n" +
		"--b1--\r\n"
	c := dialRaw(t, ts.addr).login("acme")
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if got := c.send("news@acme.example", "ann@example.net", msg+".\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("20 KB line: %q, want 250", got)
	}
	stored := ts.spool.messages()
	if len(stored) != 1 {
		t.Fatalf("%d messages stored", len(stored))
	}
	body := stored[0].Body
	for i, l := range bytes.Split(body, []byte("\r\n")) {
		if len(l) > 998 {
			t.Fatalf("stored line %d has %d octets", i, len(l))
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, "b1")
	p1, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(p1); string(got) != strings.TrimSuffix(text, "\r\n") {
		t.Errorf("text part changed: %q", got)
	}
	p2, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	if cte := p2.Header.Get("Content-Transfer-Encoding"); !strings.EqualFold(cte, "quoted-printable") {
		t.Fatalf("HTML part Content-Transfer-Encoding %q, want quoted-printable", cte)
	}
	if got, _ := io.ReadAll(quotedprintable.NewReader(p2)); string(got) != html {
		t.Errorf("HTML part does not decode to the submitted HTML (%d vs %d bytes)", len(got), len(html))
	}
	verified, err := msgauth.VerifyWithOptions(bytes.NewReader(body), &msgauth.VerifyOptions{
		LookupTXT: func(string) ([]string, error) {
			return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
		},
	})
	if err != nil || len(verified) != 1 || verified[0].Err != nil {
		t.Fatalf("DKIM after re-encoding: %v %+v", err, verified)
	}

	t.Run("over the limit", func(t *testing.T) {
		c := dialRaw(t, ts.addr).login("acme")
		c.want(c.cmd("MAIL FROM:<news@acme.example>"), "250")
		c.want(c.cmd("RCPT TO:<ann@example.net>"), "250")
		c.want(c.cmd("DATA"), "354")
		c.write("From: news@acme.example\r\n\r\n" + strings.Repeat("x", 70000) + "\r\n.\r\n")
		got := c.replyOrEmpty()
		if !strings.HasPrefix(got, "500 5.5.2") || !strings.Contains(got, "65536") {
			t.Fatalf("70,000-octet line: %q, want 500 5.5.2 naming 65536", got)
		}
	})
	t.Run("unfoldable header", func(t *testing.T) {
		c := dialRaw(t, ts.addr).login("acme")
		got := c.send("news@acme.example", "ann@example.net",
			"From: news@acme.example\r\nX-Long: "+strings.Repeat("y", 2000)+"\r\n\r\nbody\r\n.\r\n")
		if !strings.HasPrefix(got, "554 5.6.0") || ts.rejected("long_header") != 1 {
			t.Fatalf("2,000-octet header without whitespace: %q (long_header %d)", got, ts.rejected("long_header"))
		}
	})
}
