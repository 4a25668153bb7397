package reencode

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// The review's finding 15: only a message's root gained charset=utf-8
// when its 8-bit UTF-8 text was re-encoded. A nested text part with no
// charset became quoted-printable that readers decode as US-ASCII. Now
// every re-encoded text part that is UTF-8 and names no charset gets
// one; parts that name a charset, ASCII parts, non-text parts and parts
// that were not re-encoded keep their Content-Type.
func TestNestedTextGainsUTF8Charset(t *testing.T) {
	t.Parallel()
	utf8Line := strings.Repeat("Größe café № ", 120) // about 1,900 octets, 8-bit
	asciiLine := strings.Repeat("plain words ", 120)
	latin1 := strings.Repeat("Gr\xf6\xdfe ", 300) // not UTF-8
	parts := []struct {
		header, body string
		wantCT       string // Content-Type after Conform ("" for none)
	}{
		{"", utf8Line, "text/plain; charset=utf-8"},
		{"Content-Type: text/html\r\n", "<p>" + utf8Line + "</p>", "text/html; charset=utf-8"},
		{"Content-Type: TEXT/Plain; format=flowed\r\n", utf8Line, "text/plain; charset=utf-8; format=flowed"},
		{"Content-Type: text/plain; charset=iso-8859-1\r\n", latin1, "text/plain; charset=iso-8859-1"},
		{"Content-Type: text/plain; charset=utf-8\r\n", utf8Line, "text/plain; charset=utf-8"},
		{"", asciiLine, ""},
		{"Content-Type: text/plain\r\n", latin1, "text/plain"},
		{"Content-Type: text/plain\r\n", "short Größe", "text/plain"}, // not re-encoded
		{"Content-Type: application/x-thing\r\n", utf8Line, "application/x-thing"},
	}
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for _, p := range parts {
		b.WriteString("--b\r\n" + p.header + "\r\n" + p.body + "\r\n")
	}
	b.WriteString("--b--\r\n")
	in := []byte(b.String())
	out, changed, err := Conform(in, MaxLine)
	if err != nil || !changed {
		t.Fatalf("Conform: changed %v, err %v", changed, err)
	}
	checkConforms(t, in, out, MaxLine)
	m, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(m.Body, "b")
	for i, want := range parts {
		p, err := r.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		if got := p.Header.Get("Content-Type"); !sameMediaType(got, want.wantCT) {
			t.Errorf("part %d: Content-Type %q, want %q", i+1, got, want.wantCT)
		}
		if n := len(p.Header.Values("Content-Type")); n > 1 {
			t.Errorf("part %d: %d Content-Type fields", i+1, n)
		}
		raw, _ := io.ReadAll(p)
		data := raw
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			data, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		case "base64":
			data, _ = base64.StdEncoding.DecodeString(string(stripBase64(raw)))
		}
		if string(data) != want.body {
			t.Errorf("part %d: content changed", i+1)
		}
	}
}

// sameMediaType compares two Content-Type values as media types with
// parameters ("" for no field).
func sameMediaType(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	ma, pa, errA := mime.ParseMediaType(a)
	mb, pb, errB := mime.ParseMediaType(b)
	if errA != nil || errB != nil || ma != mb || len(pa) != len(pb) {
		return false
	}
	for k, v := range pa {
		if !strings.EqualFold(pb[k], v) {
			return false
		}
	}
	return true
}
