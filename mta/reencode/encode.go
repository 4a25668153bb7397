package reencode

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

// encodedWidth is the longest encoded line RFC 2045 allows (§6.7 rule 5
// for quoted-printable, §6.8 for base64), or the caller's limit if that
// is smaller.
func (c *conformer) encodedWidth() int {
	return min(76, c.max)
}

const hexDigits = "0123456789ABCDEF"

// appendQP encodes data as quoted-printable (RFC 2045 §6.7) so that
// decoding gives data back exactly:
//
//   - CRLF is a hard line break (rule 4); a bare CR or LF is escaped,
//     so it survives as itself;
//   - printable ASCII but "=" is literal (rule 2), everything else is
//     "=XX" (rule 1), with upper-case hex as the RFC requires;
//   - space and tab are literal except before a line break or at the end,
//     where a decoder would drop them (rule 3);
//   - a line never exceeds the encoded width, its soft break "=" included,
//     and an escape is never split (rule 5);
//   - a "-" starting a line is escaped, so that no encoded line can read
//     as a multipart boundary delimiter (RFC 2046 §5.1.1).
func (c *conformer) appendQP(out, data []byte) []byte {
	width := c.encodedWidth()
	col := 0
	for i := 0; i < len(data); i++ {
		b := data[i]
		if b == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			out = append(out, '\r', '\n')
			col = 0
			i++
			continue
		}
		var enc [3]byte
		n := 1
		enc[0] = b
		atEnd := i+1 == len(data) || data[i+1] == '\r' && i+2 < len(data) && data[i+2] == '\n'
		switch {
		case b == ' ' || b == '\t':
			if atEnd {
				n = 3
			}
		case b == '-' && col == 0:
			n = 3
		case b < '!' || b > '~' || b == '=':
			n = 3
		}
		if n == 3 {
			enc = [3]byte{'=', hexDigits[b>>4], hexDigits[b&15]}
		}
		// Room for this and, unless it ends the line, a soft break after.
		need := n
		if !atEnd {
			need++
		}
		if col+need > width && col > 0 {
			out = append(out, '=', '\r', '\n')
			col = 0
			if b == '-' && n == 1 {
				enc = [3]byte{'=', '2', 'D'}
				n = 3
			}
		}
		out = append(out, enc[:n]...)
		col += n
	}
	return out
}

// decodeQP decodes quoted-printable text as mime/quotedprintable does,
// which is how most readers will see it. Its reader keeps a line in a
// bufio.Reader, 4096 octets by default; one as large as the body lets it
// read lines of any length.
func decodeQP(body []byte) ([]byte, error) {
	br := bufio.NewReaderSize(bytes.NewReader(body), len(body)+16)
	return io.ReadAll(quotedprintable.NewReader(br))
}

// appendBase64 encodes data as base64 in lines of the encoded width
// (RFC 2045 §6.8), each ending in CRLF but the last.
func (c *conformer) appendBase64(out, data []byte) []byte {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(data)))
	base64.StdEncoding.Encode(enc, data)
	return c.appendWrapped(out, enc)
}

// rewrapBase64 re-wraps base64 text without decoding it: the characters
// of the base64 alphabet and "=" are kept in order and everything else
// (line breaks, stray spaces or dashes) is dropped, which RFC 2045 §6.8
// says decoders must ignore anyway. The data decoded stays the same, even
// when it is not valid base64; and no line can start with "-" and read as
// a boundary delimiter.
func (c *conformer) rewrapBase64(out, body []byte) []byte {
	chars := make([]byte, 0, len(body))
	for _, b := range body {
		if isBase64Char(b) {
			chars = append(chars, b)
		}
	}
	out = c.appendWrapped(out, chars)
	if bytes.HasSuffix(body, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return out
}

// appendWrapped writes enc, which holds no '-', in lines of the encoded
// width separated by CRLF.
func (c *conformer) appendWrapped(out, enc []byte) []byte {
	width := c.encodedWidth()
	for len(enc) > width {
		out = append(out, enc[:width]...)
		out = append(out, '\r', '\n')
		enc = enc[width:]
	}
	return append(out, enc...)
}

// mostlyPrintable reports whether quoted-printable would encode data in
// less than about 1.33 times its size, as base64 would: fewer than one
// byte in six needs an escape.
func mostlyPrintable(data []byte) bool {
	esc := 0
	for _, b := range data {
		if (b < ' ' || b > '~') && b != '\r' && b != '\n' && b != '\t' {
			esc++
		}
	}
	return esc*6 < len(data)
}

func isBase64Char(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '+' || b == '/' || b == '='
}
