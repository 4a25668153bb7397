package dkim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"
)

// FuzzRelaxedBodyHash checks the fast body canonicalizer against the plain
// reference.
func FuzzRelaxedBodyHash(f *testing.F) {
	for _, s := range []string{
		"", "\r\n", "a\r\n", " C \r\nD \t E\r\n\r\n\r\n", "a\rb", "x\r", "\n\n \n",
		"a  b\r\n\r\n\tc\r\n", "line\r\n  \r\n\r\nline",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want := sha256.Sum256(naiveRelaxedBody(body))
		if got := relaxedBodyHash(body, nil); got != want {
			t.Errorf("relaxedBodyHash(%q) != hash of %q", body, naiveRelaxedBody(body))
		}
	})
}

// FuzzSign checks that Sign never panics, is deterministic, and that
// go-msgauth verifies what it signs when both read the message alike.
func FuzzSign(f *testing.F) {
	for _, m := range [][]byte{
		plainMsg("a@example.com"), multipartMsg(), utf8Msg(),
		[]byte("From: a@example.com\r\n\r\n"), []byte("From: a@x.example.com\nSubject: x\n\ny"),
		[]byte("From: a@example.com\r\nSubject: a\r\n b\r\nSubject: c\r\n\r\n x  \r\n\r\n"),
	} {
		f.Add(m)
	}
	seed := make([]byte, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	s, err := NewSigner(Options{
		Keys: []Key{{Domain: "example.com", Selector: "s", Signer: key}},
		Now:  func() time.Time { return time.Unix(1_800_000_000, 0) },
	})
	if err != nil {
		f.Fatal(err)
	}
	txt, err := TXTValue(key.Public())
	if err != nil {
		f.Fatal(err)
	}
	z := zone{"s._domainkey.example.com": txt}
	f.Fuzz(func(t *testing.T, msg []byte) {
		fields, ok, err := s.Sign(msg)
		if err != nil || !ok {
			return
		}
		again, _, _ := s.Sign(msg)
		if !bytes.Equal(fields, again) {
			t.Fatal("Sign is not deterministic")
		}
		if !crossCheckable(msg) {
			return
		}
		oks, why := verifyGoMsgauth(t, z, [][]byte{toWire(append(fields, msg...))})
		if len(oks[0]) != 1 || !oks[0][0] {
			t.Fatalf("go-msgauth: %v %q\n%q", oks, why, append(fields, msg...))
		}
	})
}

// crossCheckable reports whether go-msgauth reads msg as Sign does. It does
// not when msg has a bare CR (go-msgauth treats CR as whitespace in
// headers) or no empty line after the header (it cannot read those).
func crossCheckable(msg []byte) bool {
	if !bytes.Contains(msg, []byte("\n\n")) && !bytes.Contains(msg, []byte("\n\r\n")) {
		return false
	}
	for i, c := range msg {
		if c == '\r' && (i+1 == len(msg) || msg[i+1] != '\n') {
			return false
		}
	}
	return true
}
