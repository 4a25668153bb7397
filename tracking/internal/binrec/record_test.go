package binrec

import (
	"encoding/binary"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	b := []byte{7}
	b = binary.AppendVarint(b, -42)
	b = binary.AppendUvarint(b, 1<<40)
	b = AppendString(b, "héllo")
	r := Reader{B: b}
	if r.Byte() != 7 || r.Varint() != -42 || r.Uvarint() != 1<<40 || r.Str() != "héllo" || r.Bad || len(r.B) != 0 {
		t.Fatalf("round trip failed: %+v", r)
	}
}

// Every truncation of a valid record reads as Bad, never panics.
func TestTruncated(t *testing.T) {
	b := binary.AppendUvarint([]byte{1}, 300)
	b = AppendString(b, "a string of some length")
	for n := range len(b) {
		r := Reader{B: b[:n]}
		r.Byte()
		r.Uvarint()
		r.Str()
		if !r.Bad {
			t.Fatalf("truncated to %d bytes: not Bad", n)
		}
	}
	// A length beyond the record.
	r := Reader{B: binary.AppendUvarint(nil, 1000)}
	if r.Str() != "" || !r.Bad {
		t.Fatal("overlong string length accepted")
	}
}
