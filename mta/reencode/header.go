package reencode

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"
)

// splitEntity splits a message or body part into its header section
// (every field line, each with its line end), the empty line that ends
// it, and the body. It reads the header as mta/submit does: an entity
// whose first line is not a field has no header, and one with no empty
// line is all header.
func splitEntity(e []byte) (header, sep, body []byte) {
	if bytes.HasPrefix(e, []byte("\r\n")) {
		return nil, e[:2], e[2:]
	}
	if !startsWithField(e) {
		return nil, nil, e
	}
	if i := bytes.Index(e, []byte("\r\n\r\n")); i >= 0 {
		return e[:i+2], e[i+2 : i+4], e[i+4:]
	}
	return e, nil, nil
}

// startsWithField reports whether b begins with "Name:" (RFC 5322 §3.6.8:
// printable ASCII but colon).
func startsWithField(b []byte) bool {
	for i, c := range b {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c >= 127:
			return false
		}
	}
	return false
}

// nextField splits header after its first field: the field's first line
// and every continuation line (one starting with space or tab).
func nextField(header []byte) (field, rest []byte) {
	end := 0
	for {
		i := bytes.IndexByte(header[end:], '\n')
		if i < 0 {
			return header, nil
		}
		end += i + 1
		if end >= len(header) || (header[end] != ' ' && header[end] != '\t') {
			return header[:end], header[end:]
		}
	}
}

// fieldName is the field's name, or "" for a line that is not a field.
func fieldName(field []byte) string {
	c := bytes.IndexByte(field, ':')
	if c <= 0 {
		return ""
	}
	return string(bytes.TrimRight(field[:c], " \t"))
}

// malformedField returns the first line of header that is not a field
// (RFC 5322 §2.2: a name of printable US-ASCII but colon and space, then a
// colon), or "" when every field is well formed.
func malformedField(header []byte) string {
	for rest := header; len(rest) > 0; {
		var field []byte
		field, rest = nextField(rest)
		if len(bytes.TrimRight(field, "\r\n")) == 0 {
			continue
		}
		c := bytes.IndexByte(field, ':')
		if c <= 0 {
			return string(bytes.TrimRight(field, "\r\n"))
		}
		for _, b := range bytes.TrimRight(field[:c], " \t") {
			if b < 33 || b > 126 {
				return string(field[:c])
			}
		}
	}
	return ""
}

// sloppyField reports whether body's first line has a colon: not a field
// (startsWithField said so) but one that a lenient reader may take for
// one.
func sloppyField(body []byte) bool {
	line := body
	if i := bytes.Index(body, []byte("\r\n")); i >= 0 {
		line = body[:i]
	}
	return bytes.IndexByte(line, ':') > 0
}

// fieldValue is the field's value, unfolded and trimmed.
func fieldValue(field []byte) string {
	c := bytes.IndexByte(field, ':')
	if c < 0 {
		return ""
	}
	v := strings.ReplaceAll(string(field[c+1:]), "\r\n", "")
	return strings.TrimSpace(strings.ReplaceAll(v, "\n", ""))
}

// headerInfo is what the MIME walk needs from a header section.
type headerInfo struct {
	mediaType   string // lower case; "" when there is no Content-Type
	boundary    string
	ctSeen      bool   // a Content-Type field is present (parsable or not)
	ctValue     string // the first Content-Type's value, unfolded
	cte         string // lower case, trimmed; "" when absent
	mimeVersion bool
}

// parseHeader reads the first Content-Type and Content-Transfer-Encoding
// fields (RFC 2045 §5, §6) and whether MIME-Version is present (§4).
// Field names are compared in ASCII case only, as net/textproto does:
// under Unicode folding "Content-Tran\u017Ffer-Encoding" would name a
// transfer encoding no reader sees.
func parseHeader(header []byte) headerInfo {
	var h headerInfo
	var ctSeen, cteSeen bool
	for rest := header; len(rest) > 0; {
		var field []byte
		field, rest = nextField(rest)
		switch name := fieldName(field); {
		case asciiEqualFold(name, "Content-Type") && !ctSeen:
			ctSeen, h.ctSeen = true, true
			h.ctValue = fieldValue(field)
			h.mediaType, h.boundary = parseContentType(h.ctValue)
		case asciiEqualFold(name, "Content-Transfer-Encoding") && !cteSeen:
			cteSeen = true
			h.cte = strings.ToLower(fieldValue(field))
		case asciiEqualFold(name, "MIME-Version"):
			h.mimeVersion = true
		}
	}
	return h
}

// parseContentType returns the media type and boundary of a Content-Type
// value. A value whose type does not parse is no Content-Type at all
// (RFC 2045 §5.2: the default applies). Where only the parameters are
// refused (a duplicate, a stray character), the boundary is still read
// the way lenient mail readers do.
func parseContentType(v string) (mediaType, boundary string) {
	mt, params, err := mime.ParseMediaType(v)
	switch {
	case !strings.Contains(mt, "/"):
		return "", "" // mime.ParseMediaType takes "multipart" alone
	case err == nil:
		return mt, params["boundary"]
	case mt == "":
		return "", ""
	}
	_, ps, _ := strings.Cut(v, ";")
	for _, p := range strings.Split(ps, ";") {
		k, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "boundary") {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' {
			if j := strings.IndexByte(val[1:], '"'); j >= 0 {
				return mt, val[1 : j+1]
			}
		}
		return mt, val
	}
	return mt, ""
}

// foldField appends field with every line over the limit folded at
// whitespace: RFC 5322 §2.2.3 lets a CRLF go before any space or tab,
// and unfolding (removing each CRLF followed by WSP) gives the field back
// exactly. Folding prefers lines of at most 78 octets (RFC 5322 §2.1.1's
// "SHOULD"), and takes longer ones up to the limit when no nearer
// whitespace exists. It never leaves a line of whitespace only (§3.2.2),
// never folds inside the field name, and never makes a line that reads
// as a boundary delimiter of an enclosing multipart.
func (c *conformer) foldField(out, field []byte, part string) ([]byte, error) {
	if !hasLongLine(field, c.max) {
		return append(out, field...), nil
	}
	colon := bytes.IndexByte(field, ':')
	lineStart := 0
	for rest := field; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		first := lineStart == 0
		lineStart += len(line)
		n := lineLen(line)
		body, end := line[:n], line[n:]
		from := 1 // never fold before the field's colon
		if first && colon >= 0 && colon < n {
			from = colon + 1
		}
		// The last non-WSP octet of what remains is the line's own,
		// found once: scanning for it at every fold made folding a
		// line quadratic in its length (the review's finding 4: 10 s for
		// 1 MiB, hours for 25 MiB).
		last := bytes.LastIndexFunc(body, notWSP)
		// Once a field needs folding, its long lines are folded all
		// along, not just below the limit.
		for len(body) > min(78, c.max) {
			cut := c.foldPoint(body, from, last)
			if cut < 0 && len(body) <= c.max {
				break
			}
			if cut < 0 {
				name := fieldName(field)
				if name == "" {
					name = "(not a field)"
				}
				return nil, &Error{Part: part, What: "header field " + sanitizeName(name), Err: ErrUnfoldableHeader}
			}
			out = append(out, body[:cut]...)
			out = append(out, '\r', '\n')
			body = body[cut:]
			last -= cut
			from = 1
		}
		out = append(out, body...)
		out = append(out, end...)
	}
	return out, nil
}

// foldPoint returns where to put a CRLF in the over-long line: before a
// space or tab at an index in [from, max], the last one within 78 octets
// or else the first after, such that what is before it is not all WSP,
// what follows holds something else than WSP (last is the index of the
// line's last non-WSP octet, or -1), and the line before it is no
// delimiter. It returns -1 when there is none. It reads at most the
// first max+1 octets of line, so folding a line costs time linear in its
// length.
func (c *conformer) foldPoint(line []byte, from, last int) int {
	soft := min(78, c.max)
	// Only indexes up to max are candidates: the first non-WSP octet
	// matters only when it is before one.
	first := bytes.IndexFunc(line[:min(len(line), c.max+1)], notWSP)
	if first < 0 {
		return -1
	}
	ok := func(i int) bool {
		return (line[i] == ' ' || line[i] == '\t') && first < i && i < last && !c.delimiterLike(line[:i])
	}
	for i := min(soft, len(line)-1); i >= from; i-- {
		if ok(i) {
			return i
		}
	}
	for i := max(soft+1, from); i <= c.max && i < len(line); i++ {
		if ok(i) {
			return i
		}
	}
	return -1
}

func notWSP(r rune) bool { return r != ' ' && r != '\t' }

// sanitizeName keeps an error text short and printable: a field name from
// the message is hostile.
func sanitizeName(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 127 {
			return '_'
		}
		return r
	}, s)
}

// asciiEqualFold reports whether a and b are equal under ASCII case
// folding only.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// utf8ContentType returns the Content-Type field a text part needs once
// its 8-bit body is re-encoded, or "" when it needs none. Before, a
// reader took the raw octets as they came, usually as UTF-8; after
// quoted-printable, a text part without a charset parameter decodes to
// US-ASCII (RFC 2045 §5.2, RFC 2046 §4.1.2), and the UTF-8 shows as
// mojibake. So a text part (by its Content-Type, or by default: text/plain
// outside multipart/digest) whose body is valid UTF-8 with 8-bit octets
// and that names no charset gains charset=utf-8: a new field when it has
// none (replace false), else its first Content-Type rebuilt with the
// parameter added (replace true). A Content-Type that does not parse
// cleanly is left alone: what it means is each reader's guess.
func utf8ContentType(h headerInfo, defaultType string, body []byte) (field string, replace bool) {
	if isASCII(body) || !utf8.Valid(body) {
		return "", false
	}
	if !h.ctSeen {
		if !strings.HasPrefix(defaultType, "text/") {
			return "", false
		}
		return "Content-Type: " + defaultType + "; charset=utf-8\r\n", false
	}
	mt, params, err := mime.ParseMediaType(h.ctValue)
	if err != nil || !strings.HasPrefix(mt, "text/") {
		return "", false
	}
	if _, ok := params["charset"]; ok {
		return "", false
	}
	params["charset"] = "utf-8"
	v := mime.FormatMediaType(mt, params)
	if v == "" {
		return "", false
	}
	return "Content-Type: " + v + "\r\n", true
}
