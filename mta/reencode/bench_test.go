package reencode

import (
	"strings"
	"testing"
)

// cleanMessage is a message of about size octets with 76-octet lines, as
// most submitted mail is: the case Conform must make cheap.
func cleanMessage(size int) []byte {
	var b strings.Builder
	b.WriteString(crlf("From: News <news@example.com>\nTo: a@example.net\nSubject: Weekly\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"))
	line := strings.Repeat("<td class=3D\"c\">caf=C3=A9</td>", 3)[:75] + "=\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return []byte(b.String())
}

func BenchmarkConform(b *testing.B) {
	for _, bc := range []struct {
		name string
		msg  []byte
	}{
		{"clean-5KB", cleanMessage(5 << 10)},
		{"clean-100KB", cleanMessage(100 << 10)},
		{"newsletter-20KB-line", []byte(newsletter())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msg)))
			for b.Loop() {
				if _, _, err := Conform(bc.msg, MaxLine); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConformCleanAllocs keeps the clean path free of allocations.
func TestConformCleanAllocs(t *testing.T) {
	msg := cleanMessage(100 << 10)
	if n := testing.AllocsPerRun(20, func() { _, _, _ = Conform(msg, MaxLine) }); n != 0 {
		t.Fatalf("%v allocations on a clean message, want 0", n)
	}
}
