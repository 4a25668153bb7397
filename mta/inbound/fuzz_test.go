package inbound

import (
	"encoding/base64"
	"slices"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := findEvidence(data)
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
