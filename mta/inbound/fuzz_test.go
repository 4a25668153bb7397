package inbound

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

// FuzzFindEvidence: any input is searched without a panic and within the
// bounds, and a token planted in a base64 part is found whatever the part
// carries around it.
func FuzzFindEvidence(f *testing.F) {
	f.Add([]byte("List-Unsubscribe: <https://t.example/u/" + tokU + ">\r\n\r\nhi"))
	f.Add([]byte("Content-Type: multipart/report; boundary=r\r\n\r\n--r\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nVG86IGFAeC50ZXN0DQoNCmhp\r\n--r--"))
	f.Add([]byte("Content-Transfer-Encoding: quoted-printable\r\n\r\n/c/AQdC=\r\nAAt0ZW5h=3D b.qeaq@x"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\n"))
	f.Add([]byte{})
	// Many folded lines, at the top and in a returned copy's header.
	f.Add([]byte("X-Pad: a\r\n" + strings.Repeat(" b\r\n", 4000) + "To: a@x.test\r\n\r\nhi"))
	f.Add([]byte("Content-Type: multipart/report; boundary=r\r\n\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: a@x.test\r\n" +
		strings.Repeat("\t/c/"+tokC+"\r\n", 500) + "--r--"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := slices.Clone(data)
		ev := findEvidence(data)
		if !slices.Equal(data, orig) {
			t.Fatal("findEvidence modified its input (the DKIM verifier reads it next)")
		}
		if len(ev.tokens) > maxTokens || len(ev.returnedTo) > maxToAddrs {
			t.Fatalf("%d tokens, %d addresses: over the bounds", len(ev.tokens), len(ev.returnedTo))
		}
		for _, c := range ev.tokens {
			if c.kind == tokURL && (len(c.tok) < 32 || len(c.tok) > maxURLToken) {
				t.Fatalf("URL token of %d symbols", len(c.tok))
			}
			if c.kind != tokURL && (len(c.tok) < 34 || len(c.tok) > 60) {
				t.Fatalf("mailbox token of %d symbols", len(c.tok))
			}
		}
		if len(data) > 64<<10 {
			return
		}
		body := slices.Concat(data, []byte("\n https://t.example/c/"+tokC+" \n"), data)
		msg := slices.Concat([]byte("Content-Transfer-Encoding: base64\r\n\r\n"),
			[]byte(base64.StdEncoding.EncodeToString(body)))
		ev = findEvidence(msg)
		if len(ev.tokens) < maxTokens && !slices.Contains(ev.tokens, candidate{tokURL, tokC}) {
			t.Fatalf("planted token not found in %q", body)
		}
	})
}

// FuzzParseProvider: any entry is accepted or refused without a panic, and
// an accepted one matches its own signer.
func FuzzParseProvider(f *testing.F) {
	for _, s := range []string{"yahoo.com", "feedback@arf.mail.yahoo.com", "com", "a@b@c.d", "xn--bcher-kva.example."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseProvider(s)
		if err != nil {
			return
		}
		a := &FBLAuth{providers: []fblProvider{p}}
		from := "fbl@" + p.domain
		if p.addr != "" {
			from = p.addr
		}
		if _, ok := a.match(p.domain, from); !ok {
			t.Fatalf("entry %q does not match its own signer d=%s From %s", s, p.domain, from)
		}
	})
}

// FuzzReadFeedback: any report is read or refused without a panic, and
// facts come only with one Source-IP and one queue id.
func FuzzReadFeedback(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: message/feedback-report\r\n\r\nSource-IP: 192.0.2.1\r\nOriginal-Rcpt-To: <a@x.test>\r\n\r\n--b\r\n" +
		"Content-Type: text/rfc822-headers\r\n\r\nTo: a@x.test\r\nX-Sluice-ID: 0006befa15328dc1\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n" + strings.Repeat(" x\r\n", 3000) + "\r\n--b--"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := slices.Clone(data)
		fb, err := readFeedback(data)
		if !slices.Equal(data, orig) {
			t.Fatal("readFeedback modified its input")
		}
		if err == nil && (!fb.sourceIP.IsValid() || fb.id == 0 && !strings.Contains(strings.ToLower(string(data)), "x-sluice-id")) {
			t.Fatalf("facts %+v from %q", fb, data)
		}
	})
}
