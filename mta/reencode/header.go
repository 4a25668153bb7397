package reencode

import (
	"bytes"
	"mime"
	"strings"
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
	cte         string // lower case, trimmed; "" when absent
	mimeVersion bool
}

// parseHeader reads the first Content-Type and Content-Transfer-Encoding
// fields (RFC 2045 §5, §6) and whether MIME-Version is present (§4).
func parseHeader(header []byte) headerInfo {
	var h headerInfo
	var ctSeen, cteSeen bool
	for rest := header; len(rest) > 0; {
		var field []byte
		field, rest = nextField(rest)
		switch name := fieldName(field); {
		case strings.EqualFold(name, "Content-Type") && !ctSeen:
			ctSeen = true
			h.mediaType, h.boundary = parseContentType(fieldValue(field))
		case strings.EqualFold(name, "Content-Transfer-Encoding") && !cteSeen:
			cteSeen = true
			h.cte = strings.ToLower(fieldValue(field))
		case strings.EqualFold(name, "MIME-Version"):
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
		// Once a field needs folding, its long lines are folded all
		// along, not just below the limit.
		for len(body) > min(78, c.max) {
			cut := c.foldPoint(body, from)
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
			from = 1
		}
		out = append(out, body...)
		out = append(out, end...)
	}
	return out, nil
}

// foldPoint returns where to put a CRLF in the over-long line: before a
// space or tab at an index in [min, max], the last one within 78 octets
// or else the first after, such that what is before it is not all WSP,
// what follows holds something else than WSP, and the line before it is
// no delimiter. It returns -1 when there is none.
func (c *conformer) foldPoint(line []byte, from int) int {
	soft := min(78, c.max)
	first := bytes.IndexFunc(line, notWSP)
	last := bytes.LastIndexFunc(line, notWSP)
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
