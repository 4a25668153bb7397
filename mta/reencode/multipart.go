package reencode

import (
	"bytes"
	"strconv"
)

// multipart appends a multipart body (RFC 2046 §5.1.1) made to conform:
// each body part is walked as an entity, the delimiter lines are kept as
// they are (so the boundaries stay), and the preamble and epilogue have
// their long lines wrapped. A body part's content ends before the CRLF
// that precedes the next delimiter: that CRLF belongs to the delimiter.
// A missing close delimiter leaves the last part running to the end, as
// lenient readers take it; a boundary that never occurs makes the whole
// body preamble.
func (c *conformer) multipart(out, body []byte, boundary string, digest bool, ctx entityCtx) ([]byte, error) {
	c.boundaries = append(c.boundaries, boundary)
	defer func() { c.boundaries = c.boundaries[:len(c.boundaries)-1] }()
	dash := []byte("--" + boundary)
	type delim struct {
		start, end int
		close      bool
	}
	var ds []delim
	for pos := 0; pos < len(body); {
		line, _ := nextLine(body[pos:])
		if close, ok := isDelimiter(line, dash); ok {
			ds = append(ds, delim{pos, pos + len(line), close})
			if close {
				break
			}
		}
		pos += len(line)
	}
	if len(ds) == 0 {
		return c.ignored(out, body, ctx.part)
	}
	out, err := c.ignored(out, body[:ds[0].start], ctx.part)
	if err != nil {
		return nil, err
	}
	child := entityCtx{depth: ctx.depth + 1, defaultType: "text/plain"}
	if digest {
		child.defaultType = "message/rfc822"
	}
	for i, d := range ds {
		line := body[d.start:d.end]
		if hasLongLine(line, c.max) {
			return nil, &Error{Part: ctx.part, What: "boundary delimiter line over the limit", Err: ErrUnencodable}
		}
		out = append(out, line...)
		if d.close {
			return c.ignored(out, body[d.end:], ctx.part)
		}
		var tail []byte
		content := body[d.end:]
		if i+1 < len(ds) {
			content = body[d.end:ds[i+1].start]
			for _, nl := range []string{"\r\n", "\n"} {
				if bytes.HasSuffix(content, []byte(nl)) {
					content, tail = content[:len(content)-len(nl)], content[len(content)-len(nl):]
					break
				}
			}
		}
		child.part = childPart(ctx.part, i+1)
		if out, err = c.entity(out, content, child); err != nil {
			return nil, err
		}
		out = append(out, tail...)
	}
	return out, nil
}

// isDelimiter reports whether line is a boundary delimiter line for dash
// ("--" and the boundary), and whether it is the close delimiter: the
// boundary, "--" for the close one, then only transport padding (space
// and tab) before the line end (RFC 2046 §5.1.1), as mime/multipart reads
// it.
func isDelimiter(line, dash []byte) (close, ok bool) {
	content := line[:lineLen(line)]
	if !bytes.HasPrefix(content, dash) {
		return false, false
	}
	rest := content[len(dash):]
	if bytes.HasPrefix(rest, []byte("--")) {
		close, rest = true, rest[2:]
	}
	return close, len(bytes.Trim(rest, " \t")) == 0
}

// delimiterLike reports whether a line this package writes could be read
// as a delimiter of an enclosing multipart: it starts with "--" and a
// boundary, followed by "--" (mime/multipart ends a part there whatever
// follows) or by nothing but space and tab.
func (c *conformer) delimiterLike(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("--")) {
		return false
	}
	for _, b := range c.boundaries {
		if !bytes.HasPrefix(line[2:], []byte(b)) {
			continue
		}
		rest := line[2+len(b):]
		if bytes.HasPrefix(rest, []byte("--")) || len(bytes.Trim(rest, " \t")) == 0 {
			return true
		}
	}
	return false
}

// ignored appends a preamble or epilogue with every line over the limit
// wrapped. MIME readers do not show these (RFC 2046 §5.1.1: "to be
// ignored"), so wrapping changes nothing anyone reads; no fragment starts
// with "-" or reads as a delimiter, so the part structure stays.
func (c *conformer) ignored(out, region []byte, part string) ([]byte, error) {
	if !hasLongLine(region, c.max) {
		return append(out, region...), nil
	}
	for rest := region; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		n := lineLen(line)
		text, end := line[:n], line[n:]
		for len(text) > c.max {
			cut := c.max
			for cut > 0 && (text[cut] == '-' || c.delimiterLike(text[:cut])) {
				cut--
			}
			if cut == 0 {
				return nil, &Error{Part: part, What: "preamble or epilogue line of " + strconv.Itoa(len(text)) + " dashes", Err: ErrUnencodable}
			}
			out = append(out, text[:cut]...)
			out = append(out, '\r', '\n')
			text = text[cut:]
		}
		out = append(out, text...)
		out = append(out, end...)
	}
	return out, nil
}

// softBreakQP breaks the long lines of quoted-printable text that
// mime/quotedprintable cannot decode, without decoding it: a soft line
// break ("=" CRLF, RFC 2045 §6.7 rule 5) goes between escapes, never
// inside one, and a "-" that would start a line becomes "=2D". Whatever a
// lenient decoder made of the text before, it makes of it now.
func (c *conformer) softBreakQP(out, body []byte) []byte {
	width := c.encodedWidth()
	for rest := body; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		n := lineLen(line)
		text, end := line[:n], line[n:]
		col := 0
		for i := 0; i < len(text); {
			tok := 1
			if text[i] == '=' {
				tok = min(3, len(text)-i)
			}
			last := i+tok == len(text)
			need := tok
			if !last {
				need++
			}
			if col > 0 && col+need > width {
				out = append(out, '=', '\r', '\n')
				col = 0
			}
			if col == 0 && text[i] == '-' {
				out = append(out, "=2D"...)
				col = 3
			} else {
				out = append(out, text[i:i+tok]...)
				col += tok
			}
			i += tok
		}
		out = append(out, end...)
	}
	return out
}
