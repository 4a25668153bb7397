package reencode

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// longHeaderLine returns a message whose Subject is one line of about size
// octets: words, and with trailing set the second half of it whitespace
// (the shape that made folding quadratic: every fold scanned back over
// the trailing run to find the line's last word).
func longHeaderLine(size int, trailing bool) []byte {
	var b bytes.Buffer
	b.Grow(size + 64)
	b.WriteString("Subject:")
	words := size
	if trailing {
		words = size / 2
	}
	for b.Len() < words {
		b.WriteString(" word")
	}
	for b.Len() < size {
		b.WriteString(" \t")
	}
	b.WriteString("\r\nFrom: a@example.com\r\n\r\nbody\r\n")
	return b.Bytes()
}

// The review's finding 4: foldPoint scanned the rest of the line for its
// last non-whitespace octet at every fold, so a long header line ending
// in a long run of whitespace took quadratic time (1 MiB: 10 s; 25 MiB:
// about 1.7 h) before it was refused. Each line's ends are now found
// once: both shapes at both sizes take linear time; words fold, with
// every line within 78 octets and the field unfolding to the original;
// a trailing run of whitespace, which cannot be folded (no line may be
// whitespace only, RFC 5322 §3.2.2), is refused.
func TestFoldLongHeaderLineLinear(t *testing.T) {
	for _, tc := range []struct {
		size     int
		trailing bool
		bound    time.Duration // generous: shared CI cores and -race
	}{
		{1 << 20, false, time.Second},
		{1 << 20, true, time.Second},
		{25 << 20, false, 5 * time.Second},
		{25 << 20, true, 5 * time.Second},
	} {
		name := fmt.Sprintf("words-%dMiB", tc.size>>20)
		if tc.trailing {
			name = fmt.Sprintf("trailing-wsp-%dMiB", tc.size>>20)
		}
		t.Run(name, func(t *testing.T) {
			if testing.Short() && tc.size > 1<<20 {
				t.Skip("25 MiB in -short")
			}
			msg := longHeaderLine(tc.size, tc.trailing)
			start := time.Now()
			out, _, err := Conform(msg, MaxLine)
			took := time.Since(start)
			if took > tc.bound {
				t.Fatalf("a %d MiB header line took %v, want well under %v", tc.size>>20, took, tc.bound)
			}
			t.Logf("%v", took)
			if tc.trailing {
				if !errors.Is(err, ErrUnfoldableHeader) {
					t.Fatalf("err %v, want ErrUnfoldableHeader", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if i := longLineAt(out, 78); i >= 0 {
				t.Fatalf("a folded line over 78 octets at %d", i)
			}
			if !bytes.Equal(bytes.ReplaceAll(out, []byte("\r\n "), []byte(" ")), msg) {
				t.Fatal("unfolding does not give the message back")
			}
		})
	}
}

// BenchmarkFoldLongHeaderLine: one header line of words, and one ending
// in whitespace, at 1 MiB and 25 MiB (the review's sizes).
func BenchmarkFoldLongHeaderLine(b *testing.B) {
	for _, trailing := range []bool{false, true} {
		for _, size := range []int{1 << 20, 25 << 20} {
			msg := longHeaderLine(size, trailing)
			name := fmt.Sprintf("words-%dMiB", size>>20)
			if trailing {
				name = fmt.Sprintf("trailing-wsp-%dMiB", size>>20)
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				for b.Loop() {
					_, _, _ = Conform(msg, MaxLine)
				}
			})
		}
	}
}
