package token

import "strings"

// The text encodings are written here rather than taken from encoding/base64
// and encoding/base32 for two reasons. Their decoders skip CR and LF even in
// Strict mode, so "ab\ncd" and "abcd" would be two spellings of one token;
// these decoders accept exactly one spelling of each byte string (no
// newlines, no padding, zero trailing bits). And they decode from a string
// into a caller's buffer, so verifying a token allocates nothing. The tests
// check both directions against the standard library.

const (
	// alphabet64 is base64url (RFC 4648 §5), written without padding.
	alphabet64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// alphabet32 is base32 (RFC 4648 §6) in lower case, written without
	// padding. Decoding accepts either case.
	alphabet32 = "abcdefghijklmnopqrstuvwxyz234567"
)

// encodedLen returns the number of symbols of width bits that encode n
// bytes without padding.
func encodedLen(n int, width uint) int { return (n*8 + int(width) - 1) / int(width) }

// encode writes src in the alphabet of 2^width symbols, without padding.
func encode(src []byte, width uint, alphabet string) string {
	var sb strings.Builder
	sb.Grow(encodedLen(len(src), width))
	var acc uint32
	var nb uint
	mask := uint32(1)<<width - 1
	for _, c := range src {
		acc = acc<<8 | uint32(c)
		nb += 8
		for nb >= width {
			nb -= width
			sb.WriteByte(alphabet[acc>>nb&mask])
		}
	}
	if nb > 0 {
		sb.WriteByte(alphabet[acc<<(width-nb)&mask])
	}
	return sb.String()
}

// decode reads src, written in base64url (width 6) or base32 in either case
// (width 5), into dst. It reports the number of bytes written, and false if
// src holds a byte outside the alphabet, has a length no byte string
// encodes to, has non-zero trailing bits, or does not fit in dst.
func decode(dst []byte, src string, width uint) (int, bool) {
	var acc uint32
	var nb uint
	n := 0
	for i := 0; i < len(src); i++ {
		// A branch rather than a func value, so that both inline.
		var v int
		if width == 6 {
			v = val64(src[i])
		} else {
			v = val32(src[i])
		}
		if v < 0 {
			return 0, false
		}
		acc = acc<<width | uint32(v)
		nb += width
		if nb >= 8 {
			nb -= 8
			if n == len(dst) {
				return 0, false
			}
			dst[n] = byte(acc >> nb)
			n++
		}
	}
	// A whole symbol left over means an impossible length (5 base64 symbols,
	// 1, 3 or 6 base32 ones modulo 8); non-zero bits left over would make a
	// second spelling of the same bytes.
	if nb >= width || acc&(uint32(1)<<nb-1) != 0 {
		return 0, false
	}
	return n, true
}

// val64 returns the value of a base64url symbol, or -1.
func val64(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// val32 returns the value of a base32 symbol in either case, or -1.
func val32(c byte) int {
	switch {
	case 'a' <= c && c <= 'z':
		return int(c - 'a')
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case '2' <= c && c <= '7':
		return int(c-'2') + 26
	}
	return -1
}

// appendUvarint appends v as an unsigned LEB128 varint (encoding/binary's
// uvarint) and returns the extended buffer.
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// reader consumes a decoded payload. Any malformation sets bad, after which
// every read returns zero values; the caller checks bad once at the end.
type reader struct {
	b   []byte
	bad bool
}

// byte reads one byte.
func (r *reader) byte() byte {
	if r.bad || len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// uvarint reads a varint no greater than max in its shortest encoding: a
// longer spelling of the same number (a trailing 0x00 group) is refused so
// that each claim set has exactly one encoding.
func (r *reader) uvarint(max uint64) uint64 {
	var v uint64
	for i := 0; i < 10; i++ {
		if r.bad || i >= len(r.b) {
			r.bad = true
			return 0
		}
		c := r.b[i]
		if i == 9 && c > 1 {
			break // more than 64 bits
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if (i > 0 && c == 0) || v > max {
				break
			}
			r.b = r.b[i+1:]
			return v
		}
	}
	r.bad = true
	return 0
}

// bytes reads a varint length in [min, max] followed by that many bytes,
// and returns them without copying.
func (r *reader) bytes(min, max int) []byte {
	n := int(r.uvarint(uint64(max)))
	if r.bad || n < min || n > len(r.b) {
		r.bad = true
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}
