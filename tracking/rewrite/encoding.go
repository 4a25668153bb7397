package rewrite

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

// Line length limits.
const (
	// maxEncodedLine is the longest quoted-printable or base64 line,
	// RFC 2045 §6.7 rule (5) and §6.8.
	maxEncodedLine = 76
	// maxLine is the longest line, without its CRLF, that 7bit and 8bit
	// data may have: RFC 2045 §2.7, §2.8, RFC 5322 §2.1.1.
	maxLine = 998
)

// decodeQP decodes a quoted-printable body the way mime/quotedprintable
// does: leniently, passing malformed escapes through.
func decodeQP(body []byte) ([]byte, bool) {
	b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	return b, err == nil
}

// encodeQP appends the quoted-printable encoding of src to dst
// (RFC 2045 §6.7). It is the exact inverse of decodeQP, whatever src holds:
// nl in src is a hard line break and is written as nl; every other CR or LF
// is escaped; so are '=', controls, bytes above 126, and SP or HTAB at the
// end of a line. Lines are at most 76 characters, soft line breaks
// included. A '-' starting a line is escaped so that no encoded line can be
// taken for a multipart boundary delimiter (RFC 2046 §5.1.1), and so is the
// "F" of a "From " starting a line, which mbox-style stores would mangle.
func encodeQP(dst, src []byte, nl string) []byte {
	const hex = "0123456789ABCDEF"
	eol := []byte(nl)
	n := 0 // characters on the current output line
	for i := 0; i < len(src); i++ {
		c := src[i]
		if n > 0 && qpPlain(c) {
			// Fast path: copy a run of characters written as themselves,
			// leaving the last column before a soft break to the slow
			// path below.
			room := maxEncodedLine - 1 - n
			j := i + 1
			for j < len(src) && j-i < room && qpPlain(src[j]) {
				j++
			}
			if k := min(j-i, room-1); k > 0 {
				dst = append(dst, src[i:i+k]...)
				n += k
				i += k - 1
				continue
			}
		}
		if (c == '\r' || c == '\n') && bytes.HasPrefix(src[i:], eol) {
			dst = append(dst, nl...)
			n = 0
			i += len(nl) - 1
			continue
		}
		last := i+1 == len(src) || (src[i+1] == '\r' || src[i+1] == '\n') && bytes.HasPrefix(src[i+1:], eol)
		w := qpWidth(src, i, n, last)
		// Keep room for the '=' of a soft break, unless this character
		// ends the line anyway.
		if n+w > maxEncodedLine-1 && !(last && n+w <= maxEncodedLine) {
			dst = append(dst, '=')
			dst = append(dst, nl...)
			n = 0
			w = qpWidth(src, i, n, last)
		}
		if w == 3 {
			dst = append(dst, '=', hex[c>>4], hex[c&15])
		} else {
			dst = append(dst, c)
		}
		n += w
	}
	return dst
}

// qpPlain reports whether c is always written as itself when not at the
// start of a line: printable ASCII but for '=' and white space.
func qpPlain(c byte) bool {
	return '!' <= c && c <= '~' && c != '='
}

// qpWidth returns 3 when src[i] must be escaped as =XX at column n of an
// output line, 1 when it is written as itself. last says whether src[i] is
// the last character before a hard line break or the end of src.
func qpWidth(src []byte, i, n int, last bool) int {
	switch c := src[i]; {
	case c == '=' || c < ' ' && c != '\t' || c > '~':
		return 3
	case (c == ' ' || c == '\t') && last:
		return 3
	case n == 0 && c == '-':
		return 3
	case n == 0 && c == 'F' && bytes.HasPrefix(src[i:], []byte("From ")):
		return 3
	}
	return 1
}

// decodeBase64 decodes a base64 body, ignoring line breaks and other white
// space between the characters (RFC 2045 §6.8). It returns the decoded
// bytes and the white space that ended the body, which re-encoding keeps.
func decodeBase64(body []byte) (data, trailer []byte, ok bool) {
	end := len(body)
	for end > 0 && isSpace(body[end-1]) {
		end--
	}
	clean := make([]byte, 0, end)
	for _, c := range body[:end] {
		if !isSpace(c) {
			clean = append(clean, c)
		}
	}
	data = make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(data, clean)
	if err != nil {
		return nil, nil, false
	}
	return data[:n], body[end:], true
}

// encodeBase64 appends the base64 encoding of src to dst in lines of 76
// characters separated by nl, with no line end after the last line.
func encodeBase64(dst, src []byte, nl string) []byte {
	const chunk = maxEncodedLine / 4 * 3 // input bytes per full line
	var line [maxEncodedLine]byte
	for i := 0; i < len(src); i += chunk {
		if i > 0 {
			dst = append(dst, nl...)
		}
		in := src[i:min(i+chunk, len(src))]
		n := base64.StdEncoding.EncodedLen(len(in))
		base64.StdEncoding.Encode(line[:n], in)
		dst = append(dst, line[:n]...)
	}
	return dst
}

// longestLine returns the length of the longest line of b, line ends
// (CRLF or LF) not counted.
func longestLine(b []byte) int {
	longest := 0
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line, _ = bytes.CutSuffix(line, []byte("\r"))
		longest = max(longest, len(line))
	}
	return longest
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// decodeBody decodes an entity body of transfer encoding cte (RFC 2045
// §6). trailer is what follows base64 data and is kept as it is; ok is
// false for an encoding left alone (x-uuencode and the like) or a body
// that does not decode.
func decodeBody(raw []byte, cte string) (content, trailer []byte, ok bool) {
	switch cte {
	case "7bit", "8bit", "binary":
		return raw, nil, true
	case "quoted-printable":
		content, ok = decodeQP(raw)
		return content, nil, ok
	case "base64":
		return decodeBase64(raw)
	}
	return nil, nil, false
}

// encodeBody encodes rewritten text back into transfer encoding cte with
// line ends nl. 7bit or 8bit text whose longest line now passes maxLine
// (RFC 5322 §2.1.1) becomes quoted-printable (qp true), counted in
// r.reencoded.
func (r *rewriter) encodeBody(rewritten, trailer []byte, cte, nl string) (body []byte, qp bool) {
	switch cte {
	case "quoted-printable":
		return encodeQP(make([]byte, 0, len(rewritten)*11/10), rewritten, nl), false
	case "base64":
		out := encodeBase64(make([]byte, 0, len(rewritten)*14/10+len(trailer)), rewritten, nl)
		return append(out, trailer...), false
	case "7bit", "8bit":
		if longestLine(rewritten) > maxLine {
			r.reencoded++
			return encodeQP(make([]byte, 0, len(rewritten)*11/10), rewritten, nl), true
		}
	}
	return rewritten, false
}
