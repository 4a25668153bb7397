package submit

import (
	"bytes"
	"testing"
)

// refHasHighBit is the byte-at-a-time scan hasHighBit replaced.
func refHasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// TestHasHighBit puts one 8-bit byte (0x80, 0xff) at every position of
// buffers of every length up to 80, at every alignment, and checks a clean
// buffer too: the word steps must see a high bit wherever it is.
func TestHasHighBit(t *testing.T) {
	t.Parallel()
	base := bytes.Repeat([]byte("a\x7f"), 50)
	for off := 0; off < 8; off++ {
		for n := 0; n <= 80; n++ {
			b := bytes.Clone(base[off : off+n])
			if hasHighBit(b) {
				t.Fatalf("hasHighBit(7-bit, len %d, offset %d) = true", n, off)
			}
			for i := range b {
				for _, c := range []byte{0x80, 0xff} {
					old := b[i]
					b[i] = c
					if !hasHighBit(b) {
						t.Fatalf("hasHighBit(len %d, offset %d, %#x at %d) = false", n, off, c, i)
					}
					b[i] = old
				}
			}
		}
	}
}

func FuzzHasHighBit(f *testing.F) {
	f.Add([]byte("plain text\r\n"))
	f.Add([]byte("caf\xc3\xa9 and more than thirty-two bytes of text"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := hasHighBit(b), refHasHighBit(b); got != want {
			t.Fatalf("hasHighBit(%q) = %v, want %v", b, got, want)
		}
	})
}

// BenchmarkHasHighBit scans a 5 KB 7-bit message (the whole of it is read:
// the common case) with the word scan and the byte scan it replaced.
func BenchmarkHasHighBit(b *testing.B) {
	line := append(bytes.Repeat([]byte("x"), 76), "\r\n"...)
	msg := bytes.Repeat(line, 64)
	for _, bc := range []struct {
		name string
		f    func([]byte) bool
	}{{"words", hasHighBit}, {"bytes", refHasHighBit}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for i := 0; i < b.N; i++ {
				if bc.f(msg) {
					b.Fatal("8-bit")
				}
			}
		})
	}
}
