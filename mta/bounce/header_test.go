package bounce

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// foldedHeader is a message of about size bytes whose header is one field
// folded over as many lines as fit, then a Subject and a short body: the
// shape that made the old parser quadratic.
func foldedHeader(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 128)
	b.WriteString("X-Pad: a\r\n")
	for b.Len() < size {
		b.WriteString(" b\r\n")
	}
	b.WriteString("Subject: Undelivered Mail Returned to Sender\r\n\r\nhi\r\n")
	return b.Bytes()
}

// BenchmarkFoldedHeader classifies messages whose header is folded over
// many lines, up to MaxMessageBytes.
func BenchmarkFoldedHeader(b *testing.B) {
	c := New()
	for _, size := range []int{64 << 10, 512 << 10, MaxMessageBytes} {
		msg := foldedHeader(size)
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := c.Message(bytes.NewReader(msg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFoldedHeaderLinear: a header folded over 2.6 million lines (the
// whole MaxMessageBytes) is classified in well under a second (the
// quadratic parser took 4.8 s, and 6 s at 512 KiB); the generous bound
// holds under -race on a loaded machine.
func TestFoldedHeaderLinear(t *testing.T) {
	t.Parallel()
	msg := foldedHeader(MaxMessageBytes - 1024)
	c := New()
	start := time.Now()
	if _, err := c.Message(bytes.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second { // generous: a shared, loaded CI machine, -race
		t.Errorf("a 10 MiB folded header took %v", d)
	}
}

// TestParseHeaderCapped: folded values keep their lines, one value keeps
// at most maxFieldValue bytes, fields past maxHeaderBytes are skipped but
// the body is still found after the block.
func TestParseHeaderCapped(t *testing.T) {
	t.Parallel()
	h, body := parseHeader([]byte("Subject: a\r\n  b\r\n\tc \r\nTo: x@y.test\r\n\r\nbody\r\n"))
	if len(h) != 2 || h[0] != (field{"subject", "a\nb\nc"}) || h[1] != (field{"to", "x@y.test"}) || string(body) != "body\r\n" {
		t.Errorf("parseHeader = %q, body %q", h, body)
	}
	h, body = parseHeader(foldedHeader(1 << 20))
	if len(h) != 2 || len(h[0].value) != maxFieldValue || h[1].name != "subject" || string(body) != "hi\r\n" {
		t.Errorf("%d fields, first of %d bytes, body %q; want the pad capped at %d, the subject and the body", len(h), len(h[0].value), body, maxFieldValue)
	}
	var b bytes.Buffer
	for i := 0; b.Len() < 2*maxHeaderBytes; i++ {
		fmt.Fprintf(&b, "X-F%d: %s\r\n", i, bytes.Repeat([]byte("v"), 1000))
	}
	b.WriteString("Subject: late\r\n\r\nbody")
	h, body = parseHeader(b.Bytes())
	if h.get("subject") != "" || string(body) != "body" {
		t.Errorf("subject %q, body %q; want the late field skipped and the body found", h.get("subject"), body)
	}
	kept := 0
	for _, f := range h {
		kept += len(f.value)
	}
	if kept > maxHeaderBytes+maxFieldValue {
		t.Errorf("kept %d bytes of values", kept)
	}
}
