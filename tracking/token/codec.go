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
func decode[T string | []byte](dst []byte, src T, width uint) (int, bool) {
	vals := &symbols32
	if width == 6 {
		vals = &symbols64
	}
	var acc uint32
	var nb uint
	n, i := 0, 0
	if width == 6 {
		// Four symbols are three bytes: the bulk of every token, without
		// the bit-at-a-time bookkeeping.
		for ; i+4 <= len(src) && n+3 <= len(dst); i += 4 {
			a, b, c, d := vals[src[i]], vals[src[i+1]], vals[src[i+2]], vals[src[i+3]]
			if a|b|c|d == invalid {
				return 0, false
			}
			v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
			dst[n], dst[n+1], dst[n+2] = byte(v>>16), byte(v>>8), byte(v)
			n += 3
		}
	}
	for ; i < len(src); i++ {
		v := vals[src[i]]
		if v == invalid {
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

// invalid marks a byte outside an alphabet in the symbol tables. Symbol
// values are below 64, so four of them OR-ed together equal invalid
// exactly when one of them is invalid.
const invalid = 0xff

// symbols64 and symbols32 map a byte to its symbol value, or invalid.
// They are read-only after initialisation.
var (
	symbols64 = symbolTable(alphabet64, false)
	symbols32 = symbolTable(alphabet32, true)
)

func symbolTable(alphabet string, foldCase bool) [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
		if c := alphabet[i]; foldCase && 'a' <= c && c <= 'z' {
			t[c-'a'+'A'] = byte(i)
		}
	}
	return t
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
