package outbound

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
)

// message5KB is a 5 KB message of 76-character lines, some dot-led.
func message5KB() []byte {
	var b strings.Builder
	b.WriteString("From: a@sender.test\r\nTo: b@rcpt.test\r\nSubject: benchmark\r\nMIME-Version: 1.0\r\n\r\n")
	for i := 0; b.Len() < 5<<10; i++ {
		if i%10 == 0 {
			b.WriteString(".")
		}
		fmt.Fprintf(&b, "%-74.74s\r\n", fmt.Sprintf("line %d of the benchmark message body, padded to a typical width", i))
	}
	return []byte(b.String())
}

// BenchmarkSend5KB sends 5 KB messages over one reused connection to a
// loopback go-smtp sink, with and without PIPELINING, to show what
// pipelining buys: 2 round trips per message instead of 4, reported as
// writes/msg (each write waits for a reply). On loopback a round trip costs
// microseconds and the sink's CPU dominates; across the Internet each one
// costs the path's RTT.
func BenchmarkSend5KB(b *testing.B) {
	msg := message5KB()
	for _, bc := range []struct {
		name string
		cfg  sinkConfig
	}{
		{"pipelining", sinkConfig{discard: true}},
		{"lockstep", sinkConfig{discard: true, noPipelining: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := startSink(b, bc.cfg)
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				b.Fatal(err)
			}
			cc := &countConn{Conn: conn}
			c, err := Handshake(context.Background(), cc, "mx.test", Options{HelloName: "client.test"})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			env := Envelope{From: "a@sender.test", To: []string{"b@rcpt.test"}}
			ctx := context.Background()
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			cc.writes = 0
			for b.Loop() {
				res, err := c.Send(ctx, env, msg)
				if err != nil || res.Rcpts[0].Err != nil {
					b.Fatalf("Send: %v %v", err, res.Rcpts[0].Err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(cc.writes)/float64(b.N), "writes/msg")
		})
	}
}

// countConn counts writes.
type countConn struct {
	net.Conn
	writes int
}

func (c *countConn) Write(p []byte) (int, error) {
	c.writes++
	return c.Conn.Write(p)
}

// BenchmarkWriteData measures dot-stuffing a 5 KB message into the write
// buffer: it must not allocate.
func BenchmarkWriteData(b *testing.B) {
	msg := message5KB()
	w := bufio.NewWriterSize(io.Discard, writeBufferSize)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		writeData(w, msg)
	}
}
