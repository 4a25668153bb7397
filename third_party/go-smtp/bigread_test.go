package smtp_test

// Tests for sluice's growing read buffer (SLUICE.patch): a message whose
// data passes 16 KiB is read through a 32 KiB buffer, with every byte
// (dot-stuffing at the swap included) and the pipelined commands after it
// intact; the connection goes back to 4 KiB after the message.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// countingListener counts the reads of its connections.
type countingListener struct {
	net.Listener
	reads *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, reads: l.reads}, nil
}

type countingConn struct {
	net.Conn
	reads *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(b)
}

// keepBackend keeps every message's data.
type keepBackend struct {
	mu   sync.Mutex
	msgs []string
}

func (b *keepBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &keepSession{b: b}, nil }

type keepSession struct{ b *keepBackend }

func (s *keepSession) Reset()                               {}
func (s *keepSession) Logout() error                        { return nil }
func (s *keepSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *keepSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *keepSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, string(data))
	s.b.mu.Unlock()
	return nil
}

func TestServer_LargeDataGrowsReadBuffer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int64
	be := &keepBackend{}
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	go s.Serve(countingListener{Listener: l, reads: &reads})
	t.Cleanup(func() { s.Close() })

	// ~100 KB of lines, every seventh starting with a dot (stuffed on the
	// wire), some lines long enough to straddle the 16 KiB mark and the
	// buffers' edges.
	var want, wire strings.Builder
	for i := 0; want.Len() < 100_000; i++ {
		line := fmt.Sprintf("line %d %s\r\n", i, strings.Repeat("x", i%97))
		if i%7 == 0 {
			line = "." + line
			wire.WriteString(".")
		}
		want.WriteString(line)
		wire.WriteString(line)
	}
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	expect := func(code string) {
		t.Helper()
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading a %s reply: %v", code, err)
			}
			if !strings.HasPrefix(line, code) {
				t.Fatalf("got %q, want %s", line, code)
			}
			if line[3] == ' ' {
				return
			}
		}
	}
	expect("220")
	io.WriteString(c, "EHLO client\r\n")
	expect("250")
	io.WriteString(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
	expect("250")
	expect("250")
	expect("354")
	before := reads.Load()
	// The data, its end and the next transaction in one write: what
	// follows the dot is already in the (grown) buffer.
	io.WriteString(c, wire.String()+".\r\nMAIL FROM:<c@example.org>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n")
	expect("250")
	got := reads.Load() - before
	expect("250")
	expect("250")
	expect("354")
	io.WriteString(c, "second\r\n.\r\nQUIT\r\n")
	expect("250")
	expect("221")

	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.msgs) != 2 {
		t.Fatalf("%d messages received, want 2", len(be.msgs))
	}
	if be.msgs[0] != want.String() {
		t.Errorf("first message differs: %d bytes, want %d", len(be.msgs[0]), want.Len())
	}
	if be.msgs[1] != "second\r\n" {
		t.Errorf("second message %q, want %q", be.msgs[1], "second\r\n")
	}
	// Through a 4 KiB buffer ~25 reads at the least; through 32 KiB after
	// the first 16 KiB, 4 + 3.
	if got > 15 {
		t.Errorf("%d reads for a %d-byte message: the read buffer did not grow", got, wire.Len())
	}
	t.Logf("%d reads for %d bytes", got, wire.Len())
}
