package rewrite

import (
	"bytes"
	"mime"
	"strings"
)

// entity is one MIME entity (the message itself or a body part) split into
// its header section and body, RFC 2045 §3, RFC 5322 §2.1.
type entity struct {
	raw    []byte  // header fields, up to but not including the blank line
	fields []field // the fields of raw, in order
	sep    []byte  // the blank line ("\r\n" or "\n"); nil when there is none
	body   []byte  // everything after sep
}

// field is one header field: raw[start:end] runs from the first byte of its
// name to the line end of its last continuation line; colon is the index of
// its colon in raw, or -1 for a malformed line with none.
type field struct {
	start, colon, end int
}

// parseEntity splits b at its first empty line. Lines that start with WSP
// continue the previous field (RFC 5322 §2.2.3). It accepts CRLF and bare LF
// line ends, and a header section that runs to the end of b (no body).
func parseEntity(b []byte) entity {
	var e entity
	for i := 0; i < len(b); {
		lineEnd := len(b)
		if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
			lineEnd = i + j + 1
		}
		line := b[i:lineEnd]
		switch {
		case string(line) == "\r\n" || string(line) == "\n":
			e.raw, e.sep, e.body = b[:i], line, b[lineEnd:]
			return e
		case line[0] == ' ' || line[0] == '\t':
			if n := len(e.fields); n > 0 {
				e.fields[n-1].end = lineEnd
			}
		default:
			colon := bytes.IndexByte(line, ':')
			if colon >= 0 {
				colon += i
			}
			e.fields = append(e.fields, field{start: i, colon: colon, end: lineEnd})
		}
		i = lineEnd
	}
	e.raw = b
	return e
}

// is reports whether f is named name (case-insensitive; WSP before the
// colon, obsolete syntax of RFC 5322 §4.5, is ignored).
func (e *entity) is(f field, name string) bool {
	if f.colon < 0 {
		return false
	}
	n := bytes.TrimRight(e.raw[f.start:f.colon], " \t")
	return len(n) == len(name) && strings.EqualFold(string(n), name)
}

// value returns the unfolded value of f with surrounding whitespace removed.
func (e *entity) value(f field) string {
	if f.colon < 0 {
		return ""
	}
	v := trimEOL(e.raw[f.colon+1 : f.end])
	if bytes.ContainsAny(v, "\r\n") {
		// Folded: drop the CR and LF of each fold, keep the WSP.
		u := make([]byte, 0, len(v))
		for _, c := range v {
			if c != '\r' && c != '\n' {
				u = append(u, c)
			}
		}
		v = u
	}
	return strings.TrimSpace(string(v))
}

// lookup returns the value of the field named name and how many such
// fields there are.
func (e *entity) lookup(name string) (string, int) {
	var v string
	n := 0
	for _, f := range e.fields {
		if e.is(f, name) {
			if n == 0 {
				v = e.value(f)
			}
			n++
		}
	}
	return v, n
}

// mediaType returns the lower-cased media type and parameters of e
// (RFC 2045 §5), or def when it has no Content-Type. ok is false when the
// field is repeated or does not parse: receivers disagree about such
// entities, so they are left alone.
func (e *entity) mediaType(def string) (typ string, params map[string]string, ok bool) {
	v, n := e.lookup("Content-Type")
	switch n {
	case 0:
		return def, nil, true
	case 1:
		typ, params, err := mime.ParseMediaType(v)
		return typ, params, err == nil
	}
	return "", nil, false
}

// transferEncoding returns the lower-cased Content-Transfer-Encoding of e,
// "7bit" when it has none (RFC 2045 §6.1); ok is false when it is repeated.
func (e *entity) transferEncoding() (string, bool) {
	v, n := e.lookup("Content-Transfer-Encoding")
	switch n {
	case 0:
		return "7bit", true
	case 1:
		return strings.ToLower(v), true
	}
	return "", false
}

// attachment reports whether e has a Content-Disposition other than
// inline (RFC 2183 §2.2; §2.8 wants unknown types treated as attachment):
// an attached .html file is delivered as it was, not tracked.
func (e *entity) attachment() bool {
	v, n := e.lookup("Content-Disposition")
	d, _, _ := strings.Cut(v, ";")
	return n > 0 && !strings.EqualFold(strings.TrimSpace(d), "inline")
}

// appendHeader appends e's header fields to dst, leaving out the fields for
// which drop returns true. With qp set, the Content-Transfer-Encoding field
// is replaced by (or, when missing, completed with) one saying
// quoted-printable. extra, complete lines, is appended at the end. Every
// other byte is copied as it was.
func (e *entity) appendHeader(dst []byte, drop func(field) bool, qp bool, extra []byte, nl string) []byte {
	pos := 0
	hadCTE := false
	for _, f := range e.fields {
		dst = append(dst, e.raw[pos:f.start]...)
		pos = f.end
		switch {
		case drop != nil && drop(f):
		case qp && e.is(f, "Content-Transfer-Encoding"):
			if !hadCTE {
				dst = append(dst, "Content-Transfer-Encoding: quoted-printable"...)
				dst = append(dst, nl...)
			}
			hadCTE = true
		default:
			dst = append(dst, e.raw[f.start:f.end]...)
		}
	}
	dst = append(dst, e.raw[pos:]...)
	if (qp && !hadCTE) || len(extra) > 0 {
		// End the last line before adding fields, without making it the
		// blank line that ends the header (a lone CR would be, ended).
		switch n := len(dst); {
		case n == 0 || dst[n-1] == '\n':
		case dst[n-1] == '\r' && (n == 1 || dst[n-2] == '\n'):
			dst = dst[:n-1]
		case dst[n-1] == '\r':
			dst = append(dst, '\n')
		default:
			dst = append(dst, nl...)
		}
	}
	if qp && !hadCTE {
		dst = append(dst, "Content-Transfer-Encoding: quoted-printable"...)
		dst = append(dst, nl...)
	}
	return append(dst, extra...)
}

// span is a half-open byte range.
type span struct{ start, end int }

// splitMultipart returns the byte ranges of the body parts of a multipart
// body (RFC 2046 §5.1.1). A delimiter line is "--" boundary, optionally
// followed by "--" (the close delimiter), then only transport padding (SP,
// HTAB). The line end before a delimiter belongs to the delimiter, so it is
// not part of the range. Text before the first delimiter (preamble) and
// after the close delimiter (epilogue) is in no range. A body whose close
// delimiter is missing ends its last part at the end of the body.
//
// The RFC wants CRLF; like mime/multipart, the line end of the first
// delimiter line (CRLF or LF) is the one later delimiter lines must be
// preceded and ended by, so that sluice and the receiver's parser agree on
// where parts are.
func splitMultipart(body []byte, boundary string) []span {
	var parts []span
	var nl []byte // line end, set by the first delimiter
	open := -1    // start of the current part, -1 before the first delimiter
	for i := 0; i < len(body); {
		lineEnd := len(body)
		if j := bytes.IndexByte(body[i:], '\n'); j >= 0 {
			lineEnd = i + j + 1
		}
		line := trimEOL(body[i:lineEnd])
		end := body[i+len(line) : lineEnd]
		delim, closing := isDelimiter(line, boundary), isClose(line, boundary)
		if (delim || closing) && nl != nil &&
			(!bytes.Equal(end, nl) && len(end) > 0 || !bytes.HasSuffix(body[:i], nl)) {
			delim, closing = false, false
		}
		if delim || closing {
			if open >= 0 {
				parts = append(parts, span{open, max(i-len(nl), open)})
			}
			if closing {
				return parts
			}
			if nl == nil {
				nl = []byte("\r\n")
				if string(end) == "\n" {
					nl = nl[1:]
				}
			}
			open = lineEnd
		}
		i = lineEnd
	}
	if open >= 0 {
		parts = append(parts, span{open, len(body)})
	}
	return parts
}

func isDelimiter(line []byte, boundary string) bool {
	rest, ok := bytes.CutPrefix(line, []byte("--"))
	if !ok {
		return false
	}
	rest, ok = bytes.CutPrefix(rest, []byte(boundary))
	return ok && len(bytes.TrimLeft(rest, " \t")) == 0
}

func isClose(line []byte, boundary string) bool {
	rest, ok := bytes.CutPrefix(line, []byte("--"))
	if !ok {
		return false
	}
	rest, ok = bytes.CutPrefix(rest, []byte(boundary))
	if !ok {
		return false
	}
	rest, ok = bytes.CutPrefix(rest, []byte("--"))
	return ok && len(bytes.TrimLeft(rest, " \t")) == 0
}

// trimEOL removes one line end (CRLF or LF) from the end of line.
func trimEOL(line []byte) []byte {
	line, _ = bytes.CutSuffix(line, []byte("\n"))
	line, _ = bytes.CutSuffix(line, []byte("\r"))
	return line
}

// nl returns the line end to write in e: the one of the blank line that
// ends its header section, else the one of its first line, else CRLF.
func (e *entity) nl() string {
	if e.sep != nil {
		return string(e.sep)
	}
	if i := bytes.IndexByte(e.raw, '\n'); i == 0 || i > 0 && e.raw[i-1] != '\r' {
		return "\n"
	}
	return "\r\n"
}
