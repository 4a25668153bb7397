package bounce

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
)

// field is one header field, its value unfolded (continuation lines kept
// as "\n"-separated, each trimmed).
type field struct {
	name  string // lowercase
	value string
}

// header is a parsed header block, in order.
type header []field

// get returns the first value of the named (lowercase) field, or "".
func (h header) get(name string) string {
	for _, f := range h {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// all returns every value of the named (lowercase) field.
func (h header) all(name string) []string {
	var vs []string
	for _, f := range h {
		if f.name == name {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// Bounds on one header block. A stranger controls every byte of a
// returned message: a field folded over millions of lines must cost time
// linear in its size, and what is kept of it is capped.
const (
	// maxFields bounds the fields parsed from one header block.
	maxFields = 1000
	// maxFieldValue bounds the unfolded value kept of one field; the rest
	// of a longer value is dropped.
	maxFieldValue = 64 << 10
	// maxHeaderBytes bounds the field values kept of one header block;
	// the fields after it are skipped (the block's end is still found, so
	// the body stays where it is).
	maxHeaderBytes = 256 << 10
)

// parseHeader reads a header block leniently (RFC 5322 §2.2, but
// accepting what real mailers write): it stops at the first empty line or
// at the first line that is neither a field nor a continuation, which is
// then part of the body. An mbox "From " line at the start is skipped.
// Folded values are unfolded (RFC 5322 §2.2.3) into one builder per
// field, so the work is linear in the block's size; values are capped at
// maxFieldValue and the block's kept values at maxHeaderBytes, past which
// fields are skipped, never an error.
func parseHeader(b []byte) (header, []byte) {
	var h header
	var cur strings.Builder // the unfolded value of h's last field
	kept := 0               // value bytes kept in h
	skipping := false       // past maxHeaderBytes: fields are not kept
	done := func() {
		if len(h) > 0 && !skipping {
			h[len(h)-1].value = cur.String()
		}
	}
	add := func(v []byte) {
		if n := maxFieldValue - cur.Len(); len(v) > n {
			v = v[:max(n, 0)]
		}
		cur.Write(v)
		kept += len(v)
	}
	rest := b
	if bytes.HasPrefix(rest, []byte("From ")) {
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[i+1:]
		}
	}
	for len(rest) > 0 && len(h) < maxFields {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		next := rest[len(rest):]
		if i < 0 {
			line = rest
		} else {
			line, next = rest[:i], rest[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			done()
			return h, next
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return h, rest
			}
			rest = next
			if skipping || cur.Len() >= maxFieldValue {
				continue
			}
			if cur.Len() > 0 {
				add([]byte{'\n'})
			}
			add(bytes.TrimSpace(line))
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isFieldName(line[:colon]) {
			done()
			return h, rest
		}
		rest = next
		if skipping {
			continue
		}
		done()
		if kept >= maxHeaderBytes {
			skipping = true
			continue
		}
		cur.Reset()
		h = append(h, field{name: strings.ToLower(string(bytes.TrimSpace(line[:colon])))})
		add(bytes.TrimSpace(line[colon+1:]))
	}
	done()
	return h, rest
}

// isFieldName accepts RFC 5322 field names (printable ASCII but colon),
// allowing the trailing white space some mailers put before the colon.
func isFieldName(b []byte) bool {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 || len(b) > 76 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// oneLine joins a folded field value onto one line.
func oneLine(v string) string { return strings.ReplaceAll(v, "\n", " ") }

// contentType parses a Content-Type value leniently: mime.ParseMediaType
// first, then a fallback that takes the type before ";" and a boundary
// and charset found by hand, as broken bounces are common.
func contentType(v string) (string, map[string]string) {
	v = oneLine(v)
	if v == "" {
		return "text/plain", map[string]string{}
	}
	if t, params, err := mime.ParseMediaType(v); err == nil {
		return t, params
	}
	t, rest, _ := strings.Cut(v, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	params := map[string]string{}
	for p := range strings.SplitSeq(rest, ";") {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"'`)
	}
	if !strings.Contains(t, "/") {
		t = "text/plain"
	}
	return t, params
}

// splitMultipart splits a multipart body at its boundary (RFC 2046 §5.1.1)
// without failing: a missing close delimiter ends the last part at the end
// of the body, and at most max parts are returned.
func splitMultipart(body []byte, boundary string, max int) [][]byte {
	if boundary == "" || max <= 0 {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	pos := 0
	for pos <= len(body) {
		i := bytes.IndexByte(body[pos:], '\n')
		end := len(body)
		if i >= 0 {
			end = pos + i
		}
		line := bytes.TrimRight(body[pos:end], " \t\r")
		if bytes.HasPrefix(line, delim) {
			tail := line[len(delim):]
			if len(tail) == 0 || bytes.Equal(tail, []byte("--")) {
				if start >= 0 {
					parts = append(parts, trimPartEnd(body[start:pos]))
					if len(parts) == max {
						return parts
					}
				}
				if len(tail) == 2 {
					return parts
				}
				start = end + 1
			}
		}
		if i < 0 {
			break
		}
		pos = end + 1
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// trimPartEnd removes the line break that belongs to the next delimiter.
func trimPartEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// decodeTransfer undoes a Content-Transfer-Encoding (RFC 2045 §6), leniently:
// bad base64 yields what decoded before the damage, bad quoted-printable
// escapes are kept as they are.
func decodeTransfer(enc string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		if !looksBase64(b) {
			// Labelled base64 but written as text (a filter
			// relabelled it): decoding would turn it to noise.
			return b
		}
		clean := make([]byte, 0, len(b))
		for _, c := range b {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
				clean = append(clean, c)
			}
		}
		// Padding was dropped above; a lone trailing character carries
		// no whole byte.
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		return decodeQP(b)
	}
	return b
}

// looksBase64 reports whether a body labelled base64 is base64: at most
// one byte in twenty outside its alphabet, padding and line breaks (a
// stray space or a footer a list appended is tolerated; prose, whose
// spaces and punctuation base64 never has, is not).
func looksBase64(b []byte) bool {
	bad := 0
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '+', c == '/', c == '=', c == '\r', c == '\n':
		default:
			bad++
		}
	}
	return bad*20 <= len(b)
}

// decodeQP decodes quoted-printable (RFC 2045 §6.7) without failing.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		// Soft line break: "=" then optional white space then a newline.
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r') {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			i = j
			continue
		}
		if j == len(b) {
			break
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
