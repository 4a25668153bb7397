package reencode

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzConform runs Conform on any message with limits from 78 octets up:
// it never panics and never modifies its input; it either fails with an
// *Error or returns a message with no line over the limit, which Conform
// then leaves alone (idempotent); input without long lines comes back
// as it is; and when net/mail and mime/multipart read the input, they read
// the output with the same leaves and the same decoded content.
func FuzzConform(f *testing.F) {
	att, _ := attachment()
	for _, s := range []string{
		newsletterShort(), forwarded()[:200], att[:300], longHeader()[:300],
		"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\nx\r\n--b--\r\npost\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db=\r\nc =\r\n",
		"Content-Transfer-Encoding: base64\r\n\r\nYWJj ZA==\r\n",
		"Subject: a b\r\n\r\n--b x\r\n",
		"", "\r\n", "x", "0:0\n\r\n\r\n" + strings.Repeat("0", 90),
		// A header line ending in a run of whitespace (finding 4), and a
		// nested 8-bit text part with no charset (finding 15).
		"Subject:" + strings.Repeat(" w", 60) + strings.Repeat(" \t", 100) + "\r\n\r\nx\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n" +
			strings.Repeat("é", 60) + "\r\n--b--\r\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, msg []byte, extra uint8) {
		max := MinLine + int(extra)
		in := bytes.Clone(msg)
		out, changed, err := Conform(in, max)
		if !bytes.Equal(in, msg) {
			t.Fatal("Conform modified its input")
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if i := longLineAt(out, max); i >= 0 {
			t.Fatalf("line over %d at %d in\n%q", max, i, out)
		}
		if !changed {
			if !bytes.Equal(out, msg) || hasLongLine(msg, max) {
				t.Fatal("unchanged output differs or has long lines")
			}
			return
		}
		again, changed2, err := Conform(out, max)
		if err != nil || changed2 || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: changed %v, err %v", changed2, err)
		}
		if !cleanCRLF(msg) {
			// Conform's callers normalise line ends first; with bare
			// CR or LF, net/mail reads lines differently.
			return
		}
		if _, sep, _ := splitEntity(msg); sep == nil {
			// Not a message with a header and a body: mta/submit and
			// net/mail read such garbage differently.
			return
		}
		if _, err := readLeaves(msg); err != nil {
			return // no structure to keep
		}
		checkConforms(t, msg, out, max)
	})
}

// cleanCRLF reports whether every CR and LF in b is part of a CRLF.
func cleanCRLF(b []byte) bool {
	return bytes.Count(b, []byte("\r\n")) == bytes.Count(b, []byte("\r")) &&
		bytes.Count(b, []byte("\r\n")) == bytes.Count(b, []byte("\n"))
}
