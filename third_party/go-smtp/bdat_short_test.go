package smtp_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
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
