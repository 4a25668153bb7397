package dkim

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrMalformedHeader reports a header section Sign cannot split into fields:
// a line with no colon, a field name that is empty or not printable ASCII,
// or a continuation line before the first field (RFC 5322 §2.2, §3.6.8).
var ErrMalformedHeader = errors.New("dkim: malformed header section")

// headerField is one field of the header section as it appears in the
// message: raw runs from the first byte of the name to the end of the line
// terminator of its last continuation line.
type headerField struct {
	name  []byte // field name, WSP before the colon removed
	raw   []byte
	colon int // index of the colon in raw
}

// Line ends
//
// Sign expects CRLF line ends, as SMTP carries them, and signs what
// receivers will see after sluice's delivery sends the message through
// net/textproto's DotWriter (go-smtp's DATA writer): that writer sends a
// bare LF as CRLF and ends a message that lacks a final CRLF with one, so
// here a bare LF ends a line like CRLF does, and a CR at the very end of
// the message is the start of a CRLF. Any other bare CR is ordinary data, as
// RFC 6376 §3.4 has it and python3-dkim and go-msgauth agree; OpenDKIM reads
// it as a line end, so such a signature fails there. RFC 5321 §2.3.8 forbids
// bare CR and LF on the wire: the submission server should refuse them.

// splitMessage splits msg into its header fields, appended to fields, and
// its body (RFC 5322 §2.1). A message with no empty line is all header and
// has an empty body.
func splitMessage(msg []byte, fields []headerField) ([]headerField, []byte, error) {
	pos := 0
	for pos < len(msg) {
		end := len(msg)
		if i := bytes.IndexByte(msg[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		line := msg[pos:end]
		if isEmptyLine(line) || end == len(msg) && len(line) == 1 && line[0] == '\r' {
			return fields, msg[end:], nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			// Folded continuation of the previous field (RFC 5322 §2.2.3).
			if len(fields) == 0 {
				return nil, nil, fmt.Errorf("%w: continuation line before the first field", ErrMalformedHeader)
			}
			f := &fields[len(fields)-1]
			f.raw = f.raw[:len(f.raw)+len(line)] // raw and line are adjacent in msg
		} else {
			colon := bytes.IndexByte(line, ':')
			if colon < 0 {
				return nil, nil, fmt.Errorf("%w: a line after field %d has no colon", ErrMalformedHeader, len(fields))
			}
			// RFC 5322 §3.6.8 ftext, with the obsolete WSP before the
			// colon (§4.5) allowed.
			name := trimRightWSP(line[:colon])
			if len(name) == 0 {
				return nil, nil, fmt.Errorf("%w: empty field name", ErrMalformedHeader)
			}
			for _, c := range name {
				if c < '!' || c > '~' {
					return nil, nil, fmt.Errorf("%w: byte %#x in field name", ErrMalformedHeader, c)
				}
			}
			fields = append(fields, headerField{name: name, raw: line, colon: colon})
		}
		pos = end
	}
	return fields, nil, nil
}

// isEmptyLine reports whether line, with its terminator, is "\r\n" or "\n".
func isEmptyLine(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}

// isWSP reports whether c is WSP: space or horizontal tab (RFC 5234 B.1).
func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// trimRightWSP removes trailing WSP.
func trimRightWSP(b []byte) []byte {
	for len(b) > 0 && isWSP(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// appendRelaxedHeader appends f in the "relaxed" header canonical form
// (RFC 6376 §3.4.2): lower-case name, no WSP around the colon, unfolded,
// WSP runs reduced to one space, no WSP at either end of the value, CRLF.
func appendRelaxedHeader(dst []byte, f headerField) []byte {
	for _, c := range f.name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ':')
	v := f.raw[f.colon+1:]
	wsp, started := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\n':
			// Unfold: line breaks inside a field always precede WSP,
			// and the last one ends the field.
		case c == '\r' && (i+1 == len(v) || v[i+1] == '\n'):
			// CRLF, or a CR that ends the message: the wire adds the LF.
		case isWSP(c):
			wsp = true
		default:
			if wsp && started {
				dst = append(dst, ' ')
			}
			wsp, started = false, true
			dst = append(dst, c)
		}
	}
	return append(dst, '\r', '\n')
}

// relaxedBodyHash returns the SHA-256 of body in the "relaxed" body
// canonical form (RFC 6376 §3.4.4, §3.7): WSP at line ends removed, other WSP
// runs reduced to one space, empty lines at the end removed, and a CRLF
// added after a last line that lacks one; an empty body hashes as empty.
//
// Mail is mostly canonical already (base64 lines, plain text), so
// consecutive lines that need no change are hashed straight from body in one
// Write; only lines that change are copied.
func relaxedBodyHash(body []byte, scratch []byte) [sha256.Size]byte {
	h := sha256.New()
	// body[spanStart:spanEnd] is canonical and not hashed yet; spanEnd is
	// the end of the last non-empty line (or of the body start).
	spanStart, spanEnd := 0, 0
	// Empty lines since spanEnd: emitted only if a non-empty line follows.
	// exact: all of them were a plain CRLF, so body[spanEnd:pos] is their
	// canonical form.
	blanks, exact := 0, true
	pos := 0
	for pos < len(body) {
		next, hasLF := len(body), false
		line := body[pos:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			next, hasLF = pos+i+1, true
			line = line[:i]
		}
		// A CR before LF, or ending the body, belongs to the line end
		// (see "Line ends").
		hasCR := len(line) > 0 && line[len(line)-1] == '\r'
		if hasCR {
			line = line[:len(line)-1]
		}
		hasCRLF := hasCR && hasLF // the line end is canonical as it is
		content := trimRightWSP(line)
		if len(content) == 0 {
			if !hasCRLF || len(line) != 0 {
				exact = false
			}
			blanks++
			pos = next
			continue
		}
		asIs := hasCRLF && len(content) == len(line) && !hasWSPRun(content)
		if asIs && (blanks == 0 || exact) {
			spanEnd = next
		} else {
			h.Write(body[spanStart:spanEnd])
			scratch = scratch[:0]
			for ; blanks > 0; blanks-- {
				scratch = append(scratch, '\r', '\n')
			}
			scratch = appendCollapsedWSP(scratch, content)
			scratch = append(scratch, '\r', '\n')
			h.Write(scratch)
			spanStart, spanEnd = next, next
		}
		blanks, exact = 0, true
		pos = next
	}
	h.Write(body[spanStart:spanEnd])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// hasWSPRun reports whether b has a tab or two spaces in a row: WSP that
// relaxed canonicalization rewrites. It skips from space to space with
// bytes.IndexByte, which is vectorized: base64 lines have none.
func hasWSPRun(b []byte) bool {
	if bytes.IndexByte(b, '\t') >= 0 {
		return true
	}
	for {
		i := bytes.IndexByte(b, ' ')
		if i < 0 || i+1 == len(b) {
			return false
		}
		if b[i+1] == ' ' {
			return true
		}
		b = b[i+2:]
	}
}

// appendCollapsedWSP appends b with every WSP run replaced by one space.
func appendCollapsedWSP(dst, b []byte) []byte {
	wsp := false
	for _, c := range b {
		if isWSP(c) {
			wsp = true
			continue
		}
		if wsp {
			dst = append(dst, ' ')
			wsp = false
		}
		dst = append(dst, c)
	}
	if wsp {
		dst = append(dst, ' ')
	}
	return dst
}
