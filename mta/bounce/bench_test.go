package bounce

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkClassifyCorpus classifies the whole corpus per iteration and
// reports messages per second.
func BenchmarkClassifyCorpus(b *testing.B) {
	var msgs [][]byte
	for _, file := range corpus(b) {
		m, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	c := New()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, m := range msgs {
			if _, err := c.Message(bytes.NewReader(m)); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "messages/s")
}

// BenchmarkReply classifies synchronous replies, the delivery path's hot
// case.
func BenchmarkReply(b *testing.B) {
	c := New()
	type parsed struct {
		code      int
		enh, text string
	}
	var rs []parsed
	for _, tt := range replyCases {
		code, enh, text := ParseReply(tt.reply)
		rs = append(rs, parsed{code, enh, text})
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, r := range rs {
			c.Reply(r.code, r.enh, r.text)
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "replies/s")
}
