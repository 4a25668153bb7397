package submit

import (
	"bytes"
	"strings"
	"testing"
)

// message5KB is a typical submission: a dozen header fields and 5 KB of
// 78-byte lines.
func message5KB() []byte {
	var b bytes.Buffer
	b.WriteString("From: Acme <news@sender.example>\r\nTo: r@rcpt.example\r\nSubject: Our news\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nX-Sluice-Stream: marketing\r\n" +
		"X-Sluice-Campaign: spring\r\n\r\n")
	line := strings.Repeat("x", 76) + "\r\n"
	for b.Len() < 5000 {
		b.WriteString(line)
	}
	return b.Bytes()
}

// BenchmarkPrepare measures what submission does to every message before
// signing: normalisation, validation, header processing.
func BenchmarkPrepare(b *testing.B) {
	msg := message5KB()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		p := prepare(msg, fuzzInfo, 1024)
		if p.bad != nil {
			b.Fatal(p.bad.reply)
		}
	}
}

// BenchmarkNormalizeClean measures the line-end check on well-formed
// input: it must not allocate.
func BenchmarkNormalizeClean(b *testing.B) {
	msg := message5KB()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		normalizeCRLF(msg)
	}
}

// Well-formed input comes back as it is, without a copy or an
// allocation, and so does the content check.
func TestNormalizeCleanNoCopy(t *testing.T) {
	msg := message5KB()
	if got := normalizeCRLF(msg); &got[0] != &msg[0] {
		t.Fatal("normalizeCRLF copied well-formed input")
	}
	if n := testing.AllocsPerRun(10, func() {
		normalizeCRLF(msg)
		if checkContent(msg, msg[:200]) != nil {
			t.Fatal("clean message refused")
		}
	}); n != 0 {
		t.Fatalf("%v allocations on well-formed input", n)
	}
}
