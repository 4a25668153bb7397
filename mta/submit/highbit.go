package submit

import "encoding/binary"

// hasHighBit reports whether b has a byte of 0x80 or above: 8-bit content
// (RFC 6152 8BITMIME; SMTPUTF8, RFC 6531). Every message is scanned whole,
// so it tests 32 bytes a step, as four 64-bit words, instead of one byte:
// ~10× faster on 5 KB (BenchmarkHasHighBit).
func hasHighBit(b []byte) bool {
	const high = 0x8080808080808080
	for len(b) >= 32 {
		if (binary.LittleEndian.Uint64(b)|binary.LittleEndian.Uint64(b[8:])|
			binary.LittleEndian.Uint64(b[16:])|binary.LittleEndian.Uint64(b[24:]))&high != 0 {
			return true
		}
		b = b[32:]
	}
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&high != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
