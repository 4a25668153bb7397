package tenants

import (
	"strings"
	"testing"
)

// FuzzNormalizeDomain: any input either fails with ErrInvalid or gives a
// lower-case ASCII name within the limits that normalises to itself.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"example.com", "bücher.example", "*.x.y", "a..b", "xn--a.example", strings.Repeat("a.", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeDomain(in)
		if err != nil {
			return
		}
		if len(out) > 253 || strings.ToLower(out) != out || strings.ContainsAny(out, "*_@ ") {
			t.Fatalf("NormalizeDomain(%q) = %q", in, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] >= 0x80 {
				t.Fatalf("NormalizeDomain(%q) = %q: not ASCII", in, out)
			}
		}
		if again, err := NormalizeDomain(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}
