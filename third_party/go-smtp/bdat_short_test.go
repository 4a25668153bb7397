package smtp_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestServer_ChunkingShortLast checks that a BDAT chunk cut short by the
// client closing the connection is no chunk: the backend's Data reads an
// error, not the end of a message (RFC 3030 §2 counts chunks in octets),
// so a "BDAT n LAST" whose n octets never all arrived queues nothing. The
// client saw no reply and will send the whole message again.
func TestServer_ChunkingShortLast(t *testing.T) {
	for _, first := range []bool{false, true} {
		be, s, c, scanner := testServerAuthenticated(t)
		be.dataErrors = make(chan error, 1)

		io.WriteString(c, "MAIL FROM:<root@nsa.gov>\r\n")
		scanner.Scan()
		io.WriteString(c, "RCPT TO:<root@gchq.gov.uk>\r\n")
		scanner.Scan()
		if !strings.HasPrefix(scanner.Text(), "250 ") {
			t.Fatal("Invalid RCPT response:", scanner.Text())
		}
		if first {
			io.WriteString(c, "BDAT 8\r\nHey <3\r\n")
			scanner.Scan()
			if !strings.HasPrefix(scanner.Text(), "250 ") {
				t.Fatal("Invalid BDAT response:", scanner.Text())
			}
		}
		io.WriteString(c, "BDAT 100000 LAST\r\nonly the first part")
		c.(*net.TCPConn).CloseWrite()

		select {
		case err := <-be.dataErrors:
			if err == nil {
				t.Errorf("Data returned nil for a short last chunk (first chunk: %v)", first)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Data did not return")
		}
		if len(be.messages) != 0 || len(be.anonmsgs) != 0 {
			t.Errorf("a message was accepted: %q", be.messages[0].Data)
		}
		c.Close()
		s.Close()
	}
}

// slowDataBackend's Data, once its reader fails, reports it and waits for
// release: a backend still busy (committing, say) when the transfer ends.
type slowDataBackend struct {
	errored, release, logout chan struct{}
}

func (be *slowDataBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return be, nil }
func (be *slowDataBackend) Mail(string, *smtp.MailOptions) error        { return nil }
func (be *slowDataBackend) Rcpt(string, *smtp.RcptOptions) error        { return nil }
func (be *slowDataBackend) Reset()                                      {}
func (be *slowDataBackend) Logout() error {
	close(be.logout)
	return nil
}
func (be *slowDataBackend) Data(r io.Reader) error {
	_, err := io.ReadAll(r)
	close(be.errored)
	<-be.release
	return err
}

// TestServer_ChunkingCloseWaitsForData checks that a connection closed in
// the middle of a BDAT transfer ends the session (Logout) only after the
// backend's Data has returned: Data runs in its own goroutine, and a
// session used by both at once is a data race in every backend.
func TestServer_ChunkingCloseWaitsForData(t *testing.T) {
	be := &slowDataBackend{errored: make(chan struct{}), release: make(chan struct{}), logout: make(chan struct{})}
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	defer s.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "EHLO localhost\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nBDAT 8\r\nHey <3\r\n")
	buf := make([]byte, 4096)
	var got string
	for strings.Count(got, "\r\n250 ") < 4 {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (after %q)", err, got)
		}
		got += string(buf[:n])
	}
	c.Close()
	<-be.errored
	// Without the wait, Logout comes at once; give it a moment to show.
	select {
	case <-be.logout:
		t.Fatal("Logout ran while the backend's Data was still running")
	case <-time.After(100 * time.Millisecond):
	}
	close(be.release)
	select {
	case <-be.logout:
	case <-time.After(10 * time.Second):
		t.Fatal("no Logout after Data returned")
	}
}

// Server.Close from another goroutine while a BDAT chunk is being copied
// (review of the pooled buffers found the race: handleBdat read
// c.bdatPipe without c.locker while stopBdat cleared it). Under -race.
func TestServer_CloseDuringBdatChunk(t *testing.T) {
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := smtp.NewServer(echoBackend{})
		s.Domain = "localhost"
		s.AllowInsecureAuth = true
		go s.Serve(l)
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "EHLO localhost\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nBDAT 100000\r\nsome bytes")
		buf := make([]byte, 4096)
		var got string
		for strings.Count(got, "\r\n250 ") < 3 {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("read: %v (after %q)", err, got)
			}
			got += string(buf[:n])
		}
		time.Sleep(time.Duration(i%4) * time.Millisecond)
		s.Close()
		c.Close()
	}
}
