package inbound

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// foldedHeader is a message of about size bytes whose header is one field
// folded over as many lines as fit, then a From field and a short body:
// the shape that made the old parser quadratic.
func foldedHeader(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 128)
	b.WriteString("X-Pad: a\r\n")
	for b.Len() < size {
		b.WriteString(" b\r\n")
	}
	b.WriteString("From: <complaints@fbl.provider.test>\r\n\r\nhi\r\n")
	return b.Bytes()
}

// BenchmarkFoldedHeader parses the header of a 10 MiB message folded over
// 2.6 million lines, the way the worker does: evidence search and the
// provider's From check.
func BenchmarkFoldedHeader(b *testing.B) {
	for _, size := range []int{64 << 10, 512 << 10, 10 << 20} {
		msg := foldedHeader(size)
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				findEvidence(msg)
				_, _ = singleFrom(msg)
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return strings.TrimSuffix(time.Duration(n>>20).String(), "ns") + "MiB"
	}
	return strings.TrimSuffix(time.Duration(n>>10).String(), "ns") + "KiB"
}

// TestFoldedHeaderLinear: a 10 MiB header folded over 2.6 million lines is
// searched and checked in well under a second (the quadratic parser took
// about half an hour per function); the generous bound holds under -race
// on a loaded machine.
func TestFoldedHeaderLinear(t *testing.T) {
	t.Parallel()
	msg := foldedHeader(10 << 20)
	start := time.Now()
	findEvidence(msg)
	_, err := singleFrom(msg)
	if d := time.Since(start); d > 10*time.Second { // generous: a shared, loaded CI machine, -race
		t.Errorf("a 10 MiB folded header took %v", d)
	}
	if err == nil {
		t.Error("a report with a 10 MiB header section passed the From check")
	}
}

// TestHeaderFieldsCapped: one value keeps at most maxFieldValue bytes, a
// section is read up to maxHeaderBytes, and folded lines still join.
func TestHeaderFieldsCapped(t *testing.T) {
	t.Parallel()
	fs := headerFields([]byte("Subject: a\r\n  b\r\n\tc \r\nTo: x@y.test\r\n"))
	if len(fs) != 2 || fs[0] != (field{"subject", "a b c"}) || fs[1] != (field{"to", "x@y.test"}) {
		t.Errorf("fields = %q", fs)
	}
	long := headerFields(foldedHeader(1 << 20))
	if len(long) != 1 || len(long[0].value) != maxFieldValue {
		t.Errorf("%d fields, first of %d bytes; want one capped at %d", len(long), len(long[0].value), maxFieldValue)
	}
	// A field after the section's cap is not read.
	late := append(foldedHeader(maxHeaderBytes), "X-Late: yes\r\n"...)
	if v := get(headerFields(late), "x-late"); v != "" {
		t.Errorf("field past the cap read: %q", v)
	}
}
