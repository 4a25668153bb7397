package smtp

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// sizeBackend's sessions record, at the start of each message's data, the
// size of their connection's read buffer (read on the serving goroutine).
type sizeBackend struct{ sizes chan int }

func (b *sizeBackend) NewSession(c *Conn) (Session, error) { return &sizeSession{c: c, b: b}, nil }

type sizeSession struct {
	c *Conn
	b *sizeBackend
}

func (s *sizeSession) Reset()                          {}
func (s *sizeSession) Logout() error                   { return nil }
func (s *sizeSession) Mail(string, *MailOptions) error { return nil }
func (s *sizeSession) Rcpt(string, *RcptOptions) error { return nil }
func (s *sizeSession) Data(r io.Reader) error {
	s.b.sizes <- s.c.br.Size()
	_, err := io.Copy(io.Discard, r)
	return err
}

// A connection whose message grew its read buffer goes back to 4 KiB once
// the message is read (sluice): idle connections hold the small buffer.
func TestServer_ReadBufferShrinksAfterData(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	be := &sizeBackend{sizes: make(chan int, 4)}
	s := NewServer(be)
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	go s.Serve(l)
	defer s.Close()
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
			if err != nil || !strings.HasPrefix(line, code) {
				t.Fatalf("got %q (%v), want %s", line, err, code)
			}
			if line[3] == ' ' {
				return
			}
		}
	}
	expect("220")
	io.WriteString(c, "EHLO client\r\n")
	expect("250")
	for i, body := range []string{strings.Repeat("a large message line\r\n", 5000), "small\r\n"} {
		io.WriteString(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
		expect("250")
		expect("250")
		expect("354")
		io.WriteString(c, body+".\r\n")
		expect("250")
		if got := <-be.sizes; got != 4096 {
			t.Fatalf("message %d began with a %d-byte read buffer, want 4096", i+1, got)
		}
	}
}
