package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture holds the test keys (testdata/*.pem, plus a fresh ESP key) and
// the zone that publishes them.
type fixture struct {
	rsa, ed, esp crypto.Signer
	z            zone
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	rsaKey, err := LoadPrivateKey(filepath.Join("testdata", "rsa2048-pkcs1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	edKey, err := LoadPrivateKey(filepath.Join("testdata", "ed25519.pem"))
	if err != nil {
		t.Fatal(err)
	}
	_, espKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{rsa: rsaKey, ed: edKey, esp: espKey, z: zone{}}
	for name, pub := range map[string]crypto.PublicKey{
		"rsa._domainkey.example.com":     rsaKey.Public(),
		"ed._domainkey.example.com":      edKey.Public(),
		"esp._domainkey.esp.example.net": espKey.Public(),
	} {
		v, err := TXTValue(pub)
		if err != nil {
			t.Fatal(err)
		}
		f.z[name] = v
	}
	return f
}

func (f *fixture) rsaKey() Key { return Key{Domain: "example.com", Selector: "rsa", Signer: f.rsa} }
func (f *fixture) edKey() Key  { return Key{Domain: "example.com", Selector: "ed", Signer: f.ed} }
func (f *fixture) espKey() Key { return Key{Domain: "esp.example.net", Selector: "esp", Signer: f.esp} }

func (f *fixture) signer(t testing.TB, opts Options) *Signer {
	t.Helper()
	s, err := NewSigner(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signed signs msg and returns the signature fields followed by msg.
func signed(t testing.TB, s *Signer, msg []byte, wantSigned bool) []byte {
	t.Helper()
	fields, ok, err := s.Sign(msg)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if ok != wantSigned {
		t.Fatalf("Sign: signed=%v, want %v", ok, wantSigned)
	}
	return append(fields, msg...)
}

// crlf turns a Go raw string with LF line ends into a CRLF message.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// plainMsg is a typical bulk message from example.com.
func plainMsg(from string) []byte {
	return crlf(`From: Alice <` + from + `>
To: Bob <bob@example.org>
Subject: Hello
Date: Mon, 23 Nov 2026 17:00:00 +0000
Message-ID: <plain.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit
List-Unsubscribe: <https://u.example.com/u/tok>, <mailto:unsub@example.com?subject=tok>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Feedback-ID: camp1:tenant1:mkt:sluice
X-Mailer: sluice

Hello Bob,

this is a plain message.
`)
}

func multipartMsg() []byte {
	return crlf(`From: "Shop, Inc." <news@example.com>
To: bob@example.org, Carol <carol@example.org>
Cc: dave@example.org
Reply-To: support@example.com
Subject: Our spring sale
 is on
Date: Mon, 23 Nov 2026 17:00:00 +0000
Message-ID: <mp.1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="b1_sluice"

This is a multi-part message in MIME format.

--b1_sluice
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Spring sale: 20% off =E2=80=94 this week only.
--b1_sluice
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<!DOCTYPE html>
<html><body style=3D"margin:0">
  <p>Spring   sale:	<b>20% off</b></p>   
  <a href=3D"https://t.example.com/c/abc">Shop</a>
</body></html>
--b1_sluice--
`)
}

func utf8Msg() []byte {
	return crlf(`From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.com>
To: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>
Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4piD?=
Date: Mon, 23 Nov 2026 17:00:00 +0000
Message-ID: <utf8.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße aus Köln ☃ — 日本語のテキスト, ελληνικά.
Ligne avec espaces insécables et tabulation	fin.
`)
}

// smtputf8Msg has raw UTF-8 in header fields (RFC 6532).
func smtputf8Msg() []byte {
	return crlf(`From: Zoë <zoë@example.com>
To: andré@example.org
Subject: Grüße ☃
Date: Mon, 23 Nov 2026 17:00:00 +0000
Message-ID: <u8.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße ☃
`)
}

func longLinesMsg() []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nTo: b@example.org\r\nSubject: long lines\r\n" + testDate + "\r\n")
	for i := range 200 {
		line := strings.Repeat("word"+strconv.Itoa(i%10)+" ", 200)[:990]
		if i%3 == 0 {
			line = line[:980] + "\t  x  \t "
		}
		b.WriteString(line + "\r\n")
	}
	return []byte(b.String())
}

// testDate is a Date field; OpenDKIM refuses messages without one, as
// RFC 5322 §3.6 requires it.
const testDate = "Date: Mon, 23 Nov 2026 17:00:00 +0000\r\n"

// withBody returns a minimal header with body appended verbatim.
func withBody(body string) []byte {
	return []byte("From: a@example.com\r\nTo: b@example.org\r\nSubject: edge\r\n" + testDate + "\r\n" + body)
}

// TestSignVerifiesIndependently signs a range of messages and checks every
// signature with python3-dkim, OpenDKIM and go-msgauth.
func TestSignVerifiesIndependently(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dual := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}})
	rsaOnly := f.signer(t, Options{Keys: []Key{f.rsaKey()}})
	edOnly := f.signer(t, Options{Keys: []Key{f.edKey()}, Expiration: 24 * time.Hour})
	withESP := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}, ESPKeys: []Key{f.espKey()}})

	tampered := signed(t, dual, plainMsg("alice@example.com"), true)
	tampered = bytes.Replace(tampered, []byte("plain message"), []byte("plain massage"), 1)

	msgs := []vmsg{
		{"plain/rsa", signed(t, rsaOnly, plainMsg("alice@example.com"), true), true, nil},
		{"plain/ed25519+x=", signed(t, edOnly, plainMsg("alice@example.com"), true), true, nil},
		{"plain/dual", signed(t, dual, plainMsg("alice@example.com"), true), true, nil},
		{"plain/dual+esp", signed(t, withESP, plainMsg("alice@example.com"), true), true, nil},
		{"esp only (no key for From domain)", signed(t, withESP, plainMsg("alice@other.example.org"), false), true, nil},
		{"parent domain", signed(t, dual, plainMsg("alice@news.example.com"), true), true, nil},
		{"multipart/alternative", signed(t, dual, multipartMsg(), true), true, nil},
		{"utf-8 body, RFC 2047 headers", signed(t, dual, utf8Msg(), true), true, nil},
		{"raw utf-8 headers", signed(t, dual, smtputf8Msg(), true), true, nil},
		{"990-character lines", signed(t, dual, longLinesMsg(), true), true, nil},
		{"trailing blank lines", signed(t, dual, withBody("text\r\n\r\n\r\n  \r\n\t\r\n\r\n"), true), true, nil},
		{"leading blank lines", signed(t, dual, withBody("\r\n\r\n  \r\ntext\r\n"), true), true, nil},
		{"whitespace runs", signed(t, dual, withBody(" lead\r\na  \t b\t\r\n\t\r\nc \r\n"), true), true, nil},
		{"no final CRLF", signed(t, dual, withBody("line one\r\nlast line"), true), true, nil},
		{"no final CRLF, trailing WSP", signed(t, dual, withBody("last line \t"), true), true, nil},
		{"empty body", signed(t, dual, withBody(""), true), true, nil},
		{"only blank lines", signed(t, dual, withBody("\r\n \r\n\r\n"), true), true, nil},
		{"header only", signed(t, dual, []byte("From: a@example.com\r\n"+testDate), true), true,
			map[string]string{"go-msgauth": "it cannot read a message without an empty line after the header"}},
		{"ends in CR", signed(t, dual, withBody("last line\r"), true), true, nil},
		{"lone CR inside a line", signed(t, dual, withBody("a\rb\r\nc\r\n"), true), true,
			map[string]string{"opendkim": "it reads a bare CR as a line end, python3-dkim and go-msgauth as data (RFC 6376 §3.4); verifiers disagree, so submission must refuse bare CR (RFC 5321 §2.3.8)"}},
		{"dot lines", signed(t, dual, withBody(".\r\n..\r\n.x\r\n"), true), true, nil},
		{"folded headers", signed(t, dual, crlf("From:  a@example.com  \nSUBJECT:\t hello \n\t  world  \nTo: b@example.org,\n   c@example.org\nDate: Mon, 23 Nov 2026\n  17:00:00 +0000\n\nbody\n"), true), true, nil},
		{"negative control: body changed", tampered, false, nil},
	}
	checkVerifiers(t, f.z, msgs)
}

// TestSignBareLF covers bare LF: delivery sends it as CRLF (net/textproto
// DotWriter), which is what verifiers see.
func TestSignBareLF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dual := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}})
	checkVerifiers(t, f.z, []vmsg{
		{"bare LF in body", signed(t, dual, []byte("From: a@example.com\r\n"+testDate+"\r\na\nb\r\nc\r\n"), true), true, nil},
		{"LF-only message", signed(t, dual, []byte("From: a@example.com\nDate: Mon, 23 Nov 2026\n 17:00:00 +0000\n\nbody  \n\n"), true), true, nil},
	})
}

// TestSignLargeAttachment signs a message with a 10 MB base64 attachment.
func TestSignLargeAttachment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dual := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}})
	msg := signed(t, dual, attachmentMsg(10<<20), true)
	checkVerifiers(t, f.z, []vmsg{{"10 MB attachment", msg, true, nil}})
}

// attachmentMsg returns a multipart message with an n-byte attachment,
// base64-encoded in 76-character lines.
func attachmentMsg(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nTo: b@example.org\r\nSubject: report\r\n" + testDate + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	const line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0"
	for range n / 57 {
		b.WriteString(line + "\r\n")
	}
	b.WriteString("--XX--\r\n")
	return b.Bytes()
}

// TestOversigning checks that adding another From, Subject,
// List-Unsubscribe or List-Unsubscribe-Post after signing breaks every
// signature for every verifier, and that adding other fields does not.
func TestOversigning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dual := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}})
	msg := signed(t, dual, plainMsg("alice@example.com"), true)
	noLU := signed(t, dual, crlf("From: a@example.com\nTo: b@example.org\nSubject: x\nDate: Mon, 23 Nov 2026 17:00:00 +0000\n\nbody\n"), true)

	checkVerifiers(t, f.z, []vmsg{
		{"unchanged", msg, true, nil},
		{"X-Foo added", addField(msg, "X-Foo: bar\r\n", false), true, nil},
		{"Received added on top", addField(msg, "Received: from a by b; Mon, 23 Nov 2026 17:00:01 +0000\r\n", true), true, nil},
		{"second List-Unsubscribe (bottom)", addField(msg, "List-Unsubscribe: <https://evil.example/u>\r\n", false), false, nil},
		{"second List-Unsubscribe (top)", addField(msg, "List-Unsubscribe: <https://evil.example/u>\r\n", true), false, nil},
		{"second List-Unsubscribe-Post", addField(msg, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", false), false, nil},
		{"second Subject", addField(msg, "Subject: You won\r\n", false), false, nil},
		{"second From", addField(msg, "From: ceo@example.com\r\n", false), false, nil},
		{"second From (top)", addField(msg, "From: ceo@example.com\r\n", true), false, nil},
		{"List-Unsubscribe added where none was", addField(noLU, "List-Unsubscribe: <https://evil.example/u>\r\n", false), false, nil},
		{"no List-Unsubscribe, X-Foo added", addField(noLU, "X-Foo: 1\r\n", false), true, nil},
	})
}

// addField inserts field at the top of msg or at the end of its header.
func addField(msg []byte, field string, top bool) []byte {
	if top {
		return append([]byte(field), msg...)
	}
	i := bytes.Index(msg, []byte("\r\n\r\n")) + 2
	return append(append(append([]byte(nil), msg[:i]...), field...), msg[i:]...)
}

// sigTags parses the tags of every DKIM-Signature field in fields.
func sigTags(t *testing.T, fields []byte) []map[string]string {
	t.Helper()
	hdr, _, err := splitMessage(fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, f := range hdr {
		if !asciiEqualFold(f.name, "dkim-signature") {
			t.Fatalf("unexpected field %q", f.name)
		}
		tags := map[string]string{}
		unfolded := strings.NewReplacer("\r\n", "", "\t", "", " ", "").Replace(string(f.raw[f.colon+1:]))
		for tv := range strings.SplitSeq(unfolded, ";") {
			if tv == "" {
				continue
			}
			k, v, _ := strings.Cut(tv, "=")
			if _, dup := tags[k]; dup {
				t.Fatalf("duplicate tag %q", k)
			}
			tags[k] = v
		}
		out = append(out, tags)
	}
	return out
}

func TestSignTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)
	s := f.signer(t, Options{
		Keys:       []Key{f.rsaKey(), f.edKey()},
		ESPKeys:    []Key{f.espKey()},
		Expiration: 90*time.Minute + 1, // rounded up to whole seconds
		Now:        func() time.Time { return now },
	})
	msg := crlf("From: a@example.com\nTo: b@example.org\nTo: c@example.org\nX-Other: 1\nDate: x\n\nbody\n")
	fields, ok, err := s.Sign(msg)
	if err != nil || !ok {
		t.Fatalf("Sign: %v, %v", ok, err)
	}
	sigs := sigTags(t, fields)
	if len(sigs) != 3 {
		t.Fatalf("got %d signatures, want 3", len(sigs))
	}
	want := []struct{ a, d, s string }{
		{"rsa-sha256", "example.com", "rsa"},
		{"ed25519-sha256", "example.com", "ed"},
		{"ed25519-sha256", "esp.example.net", "esp"},
	}
	for i, tags := range sigs {
		for k, v := range map[string]string{
			"v": "1", "a": want[i].a, "c": "relaxed/relaxed", "d": want[i].d, "s": want[i].s,
			"t": strconv.FormatInt(now.Unix(), 10),
			"x": strconv.FormatInt(now.Unix()+5401, 10),
			"h": "from:from:to:to:subject:date:list-unsubscribe:list-unsubscribe-post",
		} {
			if tags[k] != v {
				t.Errorf("signature %d: %s=%q, want %q", i, k, tags[k], v)
			}
		}
		if _, ok := tags["l"]; ok {
			t.Errorf("signature %d has l=", i)
		}
		if len(tags["bh"]) != 44 || tags["b"] == "" {
			t.Errorf("signature %d: bh=%q b=%q", i, tags["bh"], tags["b"])
		}
	}
}

// TestSignFolding checks the field layout: CRLF line ends, continuation
// lines starting with a tab, lines within 78 characters.
func TestSignFolding(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}, Expiration: time.Hour})
	fields, _, err := s.Sign(multipartMsg())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(fields, []byte("\r\n")) {
		t.Fatal("fields do not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(fields), "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i, l)
		}
		if len(l) > maxLine {
			t.Errorf("line %d is %d characters: %q", i, len(l), l)
		}
		if !strings.HasPrefix(l, "DKIM-Signature: v=1;") && !strings.HasPrefix(l, "\t") {
			t.Errorf("line %d neither starts a field nor continues one: %q", i, l)
		}
	}
}

func TestSignDomainMatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.signer(t, Options{Keys: []Key{
		f.rsaKey(), f.edKey(),
		{Domain: "Sub.Example.COM.", Selector: "sub", Signer: f.ed},
	}})
	tests := []struct {
		from string
		want string // d=/s= of each signature
	}{
		{"a@example.com", "example.com/rsa example.com/ed"},
		{"a@EXAMPLE.com", "example.com/rsa example.com/ed"},
		{"a@news.example.com", "example.com/rsa example.com/ed"},
		{"a@deep.news.example.com", "example.com/rsa example.com/ed"},
		{"a@sub.example.com", "sub.example.com/sub"},
		{"a@x.sub.example.com", "sub.example.com/sub"},
		{"a@badexample.com", ""},
		{"a@example.com.evil.org", ""},
		{"a@com", ""},
		{"a@[192.0.2.1]", ""},
	}
	for _, tt := range tests {
		fields, ok, err := s.Sign(plainMsg(tt.from))
		if err != nil {
			t.Errorf("%s: %v", tt.from, err)
			continue
		}
		var got []string
		for _, tags := range sigTags(t, fields) {
			got = append(got, tags["d"]+"/"+tags["s"])
		}
		if g := strings.Join(got, " "); g != tt.want || ok != (tt.want != "") {
			t.Errorf("From %s: signed=%v by %q, want %q", tt.from, ok, g, tt.want)
		}
	}
}

func TestSignNoKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.signer(t, Options{Keys: []Key{f.rsaKey()}})
	fields, ok, err := s.Sign(plainMsg("a@other.org"))
	if err != nil || ok || fields != nil {
		t.Fatalf("Sign = %q, %v, %v; want nil, false, nil", fields, ok, err)
	}
}

// TestSignESPDedup checks that an ESP key that is also the matching
// author key signs once.
func TestSignESPDedup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.signer(t, Options{Keys: []Key{f.rsaKey()}, ESPKeys: []Key{f.rsaKey(), f.espKey()}})
	fields, ok, err := s.Sign(plainMsg("a@example.com"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if n := len(sigTags(t, fields)); n != 2 {
		t.Fatalf("%d signatures, want 2", n)
	}
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.signer(t, Options{Keys: []Key{f.rsaKey()}})
	tests := []struct {
		name string
		msg  string
		want error
	}{
		{"empty", "", ErrNoFrom},
		{"no From", "To: a@example.com\r\n\r\nx\r\n", ErrNoFrom},
		{"two From", "From: a@example.com\r\nFrom: b@example.com\r\n\r\nx\r\n", ErrMultipleFrom},
		{"From group without address", "From: undisclosed:;\r\n\r\nx\r\n", ErrBadFrom},
		{"From unparsable", "From: <<a@example.com\r\n\r\nx\r\n", ErrBadFrom},
		{"From two domains", "From: a@example.com, b@example.org\r\n\r\nx\r\n", ErrBadFrom},
		{"line without colon", "From: a@example.com\r\nnocolon\r\n\r\nx\r\n", ErrMalformedHeader},
		{"continuation first", " From: a@example.com\r\n\r\nx\r\n", ErrMalformedHeader},
		{"empty field name", ": x\r\nFrom: a@example.com\r\n\r\nx\r\n", ErrMalformedHeader},
	}
	for _, tt := range tests {
		fields, ok, err := s.Sign([]byte(tt.msg))
		if !errors.Is(err, tt.want) || ok || fields != nil {
			t.Errorf("%s: Sign = %q, %v, %v; want error %v", tt.name, fields, ok, err, tt.want)
		}
	}
}

func TestSignFromVariants(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.signer(t, Options{Keys: []Key{f.edKey()}})
	for _, from := range []string{
		"=?x-unknown-charset?Q?Caf=E9?= <a@example.com>",
		"\"Doe, J.\" <a@example.com>",
		"a@example.com, b@Example.com",
		"Team:\r\n a@example.com,\r\n\tb@example.com;",
		"a@example.com (comment)",
	} {
		_, ok, err := s.Sign([]byte("From: " + from + "\r\n\r\nx\r\n"))
		if err != nil || !ok {
			t.Errorf("From: %s: signed=%v, %v", from, ok, err)
		}
	}
}

func TestNewSignerValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	good := f.rsaKey()
	tests := []struct {
		name string
		opts Options
	}{
		{"no keys", Options{}},
		{"empty domain", Options{Keys: []Key{{Selector: "s", Signer: f.rsa}}}},
		{"empty selector", Options{Keys: []Key{{Domain: "example.com", Signer: f.rsa}}}},
		{"nil signer", Options{Keys: []Key{{Domain: "example.com", Selector: "s"}}}},
		{"selector with semicolon", Options{Keys: []Key{{Domain: "example.com", Selector: "a;b", Signer: f.rsa}}}},
		{"domain with space", Options{Keys: []Key{{Domain: "exa mple.com", Selector: "s", Signer: f.rsa}}}},
		{"duplicate key", Options{Keys: []Key{good, good}}},
		{"duplicate ESP key", Options{ESPKeys: []Key{f.espKey(), f.espKey()}}},
		{"bad ESP key", Options{Keys: []Key{good}, ESPKeys: []Key{{Domain: "esp.example.net", Selector: "esp"}}}},
		{"negative expiration", Options{Keys: []Key{good}, Expiration: -time.Second}},
		{"unsupported key type", Options{Keys: []Key{{Domain: "example.com", Selector: "s", Signer: fakeSigner{}}}}},
		{"truncated Ed25519 key", Options{Keys: []Key{{Domain: "example.com", Selector: "s", Signer: ed25519.PrivateKey(make([]byte, 10))}}}},
	}
	for _, tt := range tests {
		if _, err := NewSigner(tt.opts); err == nil {
			t.Errorf("%s: NewSigner succeeded", tt.name)
		}
	}
	if _, err := NewSigner(Options{ESPKeys: []Key{f.espKey()}}); err != nil {
		t.Errorf("ESP-only signer: %v", err)
	}
}

// fakeSigner is a crypto.Signer with a key type DKIM does not define.
type fakeSigner struct{}

func (fakeSigner) Public() crypto.PublicKey { return "not a key" }
func (fakeSigner) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("fake")
}

// TestSignConcurrent signs from many goroutines at once: with a fixed
// clock RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic, so every
// result must be identical. Run with -race.
func TestSignConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Unix(1_800_000_000, 0)
	s := f.signer(t, Options{Keys: []Key{f.rsaKey(), f.edKey()}, Now: func() time.Time { return now }})
	msg := multipartMsg()
	want, _, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				got, _, err := s.Sign(msg)
				if err == nil && !bytes.Equal(got, want) {
					err = errors.New("signature differs between calls")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FieldsLen bounds what Sign returns for a message with each signed field
// once, for every key set, and not by much: it sizes mta/submit's room.
func TestFieldsLen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rsa4096, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("sub-domain-label.", 3) + "example.com"
	var hdr strings.Builder
	for _, sh := range defaultHeaders() {
		switch sh.name {
		case "from":
			hdr.WriteString("From: Ann <ann@" + long + ">\r\n")
		default:
			hdr.WriteString(sh.name + ": x\r\n")
		}
	}
	msg := []byte(hdr.String() + "X-Other: y\r\n\r\nbody\r\n")
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"rsa", Options{Keys: []Key{f.rsaKey()}}},
		{"ed25519", Options{Keys: []Key{f.edKey()}}},
		{"dual + esp + x=", Options{Keys: []Key{f.rsaKey(), f.edKey()}, ESPKeys: []Key{f.espKey()}, Expiration: time.Hour}},
		{"rsa-4096, long domain and selector", Options{Keys: []Key{
			{Domain: long, Selector: "selector-with-a-long-name-2026", Signer: rsa4096},
			{Domain: long, Selector: "ed", Signer: f.ed},
		}}},
	} {
		opts := tc.opts
		opts.Now = func() time.Time { return time.Unix(1795000000, 0) }
		s := f.signer(t, opts)
		from := "example.com"
		if strings.Contains(tc.name, "long domain") {
			from = long
		}
		m := bytes.Replace(msg, []byte("@"+long+">"), []byte("@"+from+">"), 1)
		fields, _, err := s.Sign(m)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.FieldsLen(); n < len(fields) || n > len(fields)*5/4+64 {
			t.Errorf("%s: FieldsLen %d for %d bytes of fields: not a tight upper bound", tc.name, n, len(fields))
		}
	}
}
