package token

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// stdBase32 is the mailbox form's encoding built from encoding/base32.
func stdBase32() *base32.Encoding {
	return base32.NewEncoding(alphabet32).WithPadding(base32.NoPadding)
}

func TestCodecMatchesStdlib(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	b32 := stdBase32()
	b64 := base64.RawURLEncoding.Strict()
	var buf [MaxLen]byte
	for n := range 200 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		for _, tc := range []struct {
			width uint
			alpha string
			std   interface {
				EncodeToString([]byte) string
				DecodeString(string) ([]byte, error)
			}
		}{
			{6, alphabet64, b64},
			{5, alphabet32, b32},
		} {
			got := encode(src, tc.width, tc.alpha)
			if want := tc.std.EncodeToString(src); got != want {
				t.Fatalf("encode(%x, %d) = %q, want %q", src, tc.width, got, want)
			}
			if len(got) != encodedLen(n, tc.width) {
				t.Fatalf("encodedLen(%d, %d) = %d, want %d", n, tc.width, encodedLen(n, tc.width), len(got))
			}
			k, ok := decode(buf[:], got, tc.width)
			if !ok || !bytes.Equal(buf[:k], src) {
				t.Fatalf("decode(%q) = %x, %v; want %x", got, buf[:k], ok, src)
			}
			// Changing the last symbol: we accept exactly the canonical
			// spellings the standard decoder accepts (encoding/base32 has no
			// Strict mode, so canonical is checked by re-encoding).
			if len(got) == 0 {
				continue
			}
			for j := range len(tc.alpha) {
				mod := got[:len(got)-1] + tc.alpha[j:j+1]
				_, ok := decode(buf[:], mod, tc.width)
				raw, err := tc.std.DecodeString(mod)
				canonical := err == nil && tc.std.EncodeToString(raw) == mod
				if ok != canonical {
					t.Fatalf("decode(%q) ok = %v, standard library err = %v, canonical %v", mod, ok, err, canonical)
				}
			}
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	var buf [64]byte
	for _, in := range []string{"A", "AAAAA", "AB", "AAA=", "AA\nAA", "AA AA", "AA+A", "AA/A", "AA.A", "\x00AAA", "AAAé"} {
		if n, ok := decode(buf[:], in, 6); ok {
			t.Errorf("base64 %q decoded to %x", in, buf[:n])
		}
	}
	for _, in := range []string{"a", "aaa", "aaaaaa", "ab", "aaaa=", "aa\naa", "aa1a", "aa8a", "aa0a", "aa-a"} {
		if n, ok := decode(buf[:], in, 5); ok {
			t.Errorf("base32 %q decoded to %x", in, buf[:n])
		}
	}
	// Too long for the buffer.
	if _, ok := decode(buf[:2], "AAAAAA", 6); ok {
		t.Error("decode overflowed its buffer without refusing")
	}
	// Either case in base32, one case in base64.
	if n, ok := decode(buf[:], "MZXW6", 5); !ok || string(buf[:n]) != "foo" {
		t.Errorf("upper-case base32: %q, %v", buf[:n], ok)
	}
	if n, ok := decode(buf[:], strings.ToLower("Zm9v"), 6); ok && string(buf[:n]) == "foo" {
		t.Error("base64 decoded case-insensitively")
	}
}

func TestUvarint(t *testing.T) {
	t.Parallel()
	for _, v := range []uint64{0, 1, 127, 128, 255, 16383, 16384, math.MaxUint32, math.MaxUint64 - 1, math.MaxUint64} {
		b := appendUvarint(nil, v)
		r := reader{b: b}
		if got := r.uvarint(math.MaxUint64); r.bad || got != v || len(r.b) != 0 {
			t.Errorf("uvarint %d: got %d, bad %v, left %d", v, got, r.bad, len(r.b))
		}
		if v > 0 {
			r := reader{b: b}
			if r.uvarint(v - 1); !r.bad {
				t.Errorf("uvarint %d accepted under max %d", v, v-1)
			}
		}
	}
	for _, b := range [][]byte{
		{}, {0x80}, {0x80, 0x00}, {0x81, 0x00}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00},
	} {
		r := reader{b: b}
		if v := r.uvarint(math.MaxUint64); !r.bad {
			t.Errorf("uvarint % x accepted as %d", b, v)
		}
	}
}
