package bounce

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/unicode/norm"
)

// Charsets are decoded by golang.org/x/text, not by tables of our own: the
// languages the rules read (Japanese in ISO-2022-JP and Shift_JIS, Chinese
// in GB2312, GBK and Big5, Korean in EUC-KR, Cyrillic in KOI8-R and
// windows-1251, Hebrew, Arabic, Turkish, Central European) arrive in legacy
// charsets, and hand-written tables covered only the single-byte ones. The
// WHATWG index (htmlindex) knows the labels mail clients actually write and
// maps them the way browsers do (ISO-8859-1 is read as windows-1252, a
// superset); the IANA index catches the rest.

// lookupCharset finds the decoder of a charset label, or nil for UTF-8,
// ASCII and labels nobody knows.
func lookupCharset(label string) encoding.Encoding {
	cs := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8":
		return nil
	}
	if e, err := htmlindex.Get(cs); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(cs); err == nil && e != nil {
		return e
	}
	return nil
}

// decodeCharset converts text in the named charset to UTF-8. A part that
// is already valid UTF-8 but labelled with a single-byte charset is kept as
// it is (mislabelled parts are common); unknown charsets pass through with
// invalid sequences replaced, which keeps their ASCII (codes, addresses,
// English) readable.
func (c *Classifier) decodeCharset(charset string, b []byte) string {
	if lookupCharset(charset) == nil && looksISO2022JP(b) {
		// Japanese notices often go out with no charset, or "us-ascii":
		// ISO-2022-JP is 7-bit, so the label-less default fits it, and
		// only its escapes tell (RFC 1468).
		charset = "iso-2022-jp"
	}
	stateful := isStateful(charset)
	if !stateful && !hasHighBytes(b) {
		return string(b) // ASCII
	}
	if !stateful && utf8.Valid(b) {
		return norm.NFC.String(string(b)) // UTF-8 whatever the label says
	}
	enc := lookupCharset(charset)
	if enc == nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	// Composed (NFC), as the rules are written: windows-1258 carries
	// Vietnamese tone marks as combining characters, and some mail
	// software sends decomposed UTF-8.
	return norm.NFC.String(strings.ToValidUTF8(string(out), "\uFFFD"))
}

// metaCharset returns the charset an HTML part declares in its own
// <meta charset=…> or <meta http-equiv="Content-Type" content="…;
// charset=…"> (HTML's encoding sniffing), for a part whose Content-Type
// names none; "" if its first 2 KiB (after the transfer encoding) declare
// none.
func metaCharset(body []byte) string {
	if len(body) > 2048 {
		body = body[:2048]
	}
	i := bytes.Index(bytes.ToLower(body), []byte("charset="))
	if i < 0 {
		return ""
	}
	v := body[i+len("charset="):]
	v = bytes.TrimLeft(v, "\"' ")
	end := bytes.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == ':' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
	if end < 0 {
		end = len(v)
	}
	return string(v[:end])
}

// isStateful reports 7-bit charsets whose escapes only a decoder can read
// (ISO-2022-JP and friends): valid UTF-8 says nothing about them.
func isStateful(charset string) bool {
	return strings.Contains(strings.ToLower(charset), "2022")
}

// looksISO2022JP reports 7-bit text that switches to JIS X 0208 (ESC $ B
// or ESC $ @, RFC 1468): ISO-2022-JP whatever its label says.
func looksISO2022JP(b []byte) bool {
	if hasHighBytes(b) {
		return false
	}
	return bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@"))
}

// hasHighBytes reports whether b has a byte outside ASCII.
func hasHighBytes(b []byte) bool {
	for _, x := range b {
		if x >= 0x80 {
			return true
		}
	}
	return false
}

// charsetReader lets mime.WordDecoder decode RFC 2047 encoded words in the
// same charsets as bodies.
func (c *Classifier) charsetReader(charset string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(input, maxText))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(c.decodeCharset(charset, b)), nil
}

// decodeWords decodes RFC 2047 encoded words in a header value, keeping
// the raw value when decoding fails.
func (c *Classifier) decodeWords(v string) string {
	v = oneLine(v)
	if !strings.Contains(v, "=?") {
		return strings.ToValidUTF8(v, "\uFFFD")
	}
	if d, err := c.words.DecodeHeader(v); err == nil {
		return d
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}
