package smtp_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// readReplies reads reply lines until the server closes the connection
// and returns the last line of each reply.
func readReplies(t *testing.T, c net.Conn) []string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []string
	br := bufio.NewReader(c)
	for {
		s, err := br.ReadString('\n')
		if s = strings.TrimRight(s, "\r\n"); len(s) >= 4 && s[3] != '-' {
			out = append(out, s)
		}
		if err != nil {
			return out
		}
	}
}

// TestServer_PartialLineNotRun: a command line the client's close cuts
// before its LF is dropped, not run (upstream answered "EHLO partial"
// with 250-Hello: bufio hands over the partial last line before EOF).
func TestServer_PartialLineNotRun(t *testing.T) {
	_, s, c, _ := testServer(t)
	defer s.Close()
	io.WriteString(c, "NOOP\r\nEHLO partial")
	c.(*net.TCPConn).CloseWrite()
	got := readReplies(t, c)
	if len(got) != 2 || !strings.HasPrefix(got[1], "250 2.0.0") {
		t.Fatalf("replies %q; want the greeting and the NOOP's 250 only", got)
	}
}

// capListener's connections fail SetReadDeadline with a 421 4.7.0
// *SMTPError from the third call on (a listener capping commands).
type capListener struct{ net.Listener }

func (l capListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &capConn{Conn: c}, nil
}

type capConn struct {
	net.Conn
	n int
}

func (c *capConn) SetReadDeadline(t time.Time) error {
	if c.n++; c.n > 2 {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many commands"}
	}
	return c.Conn.SetReadDeadline(t)
}

// TestServer_ConnSMTPErrorWritten: an *SMTPError the connection returns
// is the reply, as given (upstream wrote "421 4.4.0 Connection error").
func TestServer_ConnSMTPErrorWritten(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := smtp.NewServer(new(backend))
	s.Domain = "localhost"
	s.ReadTimeout = time.Minute
	go s.Serve(capListener{l})
	defer s.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n")
	got := readReplies(t, c)
	want := []string{"220 localhost ESMTP Service Ready", "250 2.0.0 I have successfully done nothing",
		"250 2.0.0 I have successfully done nothing", "421 4.7.0 Too many commands"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("replies %q; want %q", got, want)
	}
}
