package submit

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// bdat sends data as BDAT chunks of the given sizes (RFC 3030), the last
// with LAST, and returns the reply to the last one; the earlier ones must
// get 250.
func (c *rawClient) bdat(data string, sizes ...int) string {
	c.t.Helper()
	for i, n := range sizes {
		chunk := data[:n]
		data = data[n:]
		last := ""
		if i == len(sizes)-1 {
			last = " LAST"
		}
		c.write(fmt.Sprintf("BDAT %d%s\r\n", len(chunk), last) + chunk)
		r := c.reply()
		if last != "" {
			return r
		}
		c.want(r, "250")
	}
	return ""
}

// The review's finding 4 (second half): go-smtp lifts its line limit
// during BDAT, and it offers CHUNKING to every client, so a BDAT message
// could carry lines of any length. The same limit and reply as DATA now
// hold for BDAT: 500 5.5.2 naming the limit, counted as line_too_long;
// the session goes on, and a message within the limit is queued, chunked
// anywhere (even inside a line).
func TestBDATLineLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{MaxLineLength: 1000},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	c := dialRaw(t, ts.addr).login("acme")
	if ehlo := c.cmd("EHLO client.test"); !strings.Contains(ehlo, "CHUNKING") {
		t.Fatalf("EHLO does not offer CHUNKING: %q", ehlo)
	}
	// The long line comes after 4 KiB of short ones: go-smtp reads ahead
	// (4 KiB) with its limit still on while it reads the BDAT command, and
	// a long line in that window gets its own "500 5.4.0 Too long line"
	// and a closed connection (refused too, but that is not the path
	// under test).
	long := "From: a@acme.example\r\nSubject: long\r\n\r\n" + strings.Repeat("short line\r\n", 500) +
		strings.Repeat("x", 5000) + "\r\nend\r\n"
	for _, sizes := range [][]int{{len(long)}, {30, 1000, len(long) - 1030}} {
		c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
		c.want(c.cmd("RCPT TO:<r@example.net>"), "250")
		if got := c.bdat(long, sizes...); !strings.HasPrefix(got, "500 5.5.2") || !strings.Contains(got, "1000") {
			t.Fatalf("BDAT %v with a 5,000-octet line: %q, want 500 5.5.2 naming 1000", sizes, got)
		}
	}
	if n := ts.rejected("line_too_long"); n != 2 {
		t.Fatalf("line_too_long counted %d times, want 2", n)
	}
	// A line of exactly the limit, CRLF included, passes.
	ok := "From: a@acme.example\r\n\r\n" + strings.Repeat("y", 998) + "\r\n"
	c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
	c.want(c.cmd("RCPT TO:<r@example.net>"), "250")
	if got := c.bdat(ok, 500, len(ok)-500); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("BDAT within the limit: %q", got)
	}
	if n := len(ts.spool.messages()); n != 1 {
		t.Fatalf("%d messages queued, want 1", n)
	}
}

func TestLineOver(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data string
		max  int
		want bool
	}{
		{"", 5, false},
		{"abc\r\n", 5, false},
		{"abcd\r\n", 5, true},
		{"abc\n", 4, false},
		{"abcde", 5, false},
		{"abcdef", 5, true},
		{"ab\r\nabc\r\nabcd\r\n", 5, true},
		{"ab\r\nabc\r\nab", 5, false},
		{strings.Repeat("a\r\n", 1000), 3, false},
	} {
		if got := lineOver([]byte(tc.data), tc.max); got != tc.want {
			t.Errorf("lineOver(%q, %d) = %v, want %v", tc.data, tc.max, got, tc.want)
		}
	}
}

// The redteam's F6: a "BDAT n LAST" whose n octets never all arrive (the
// client closed the connection, with or without an earlier chunk) is no
// message. go-smtp took the short chunk as complete and the message was
// queued truncated; the client, which saw no reply, sends it again.
func TestBDATCutShort(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{}, 4)
	ts := startServer(t, Config{Metrics: Metrics{SessionClosed: func() { closed <- struct{}{} }}},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	const head = "From: a@acme.example\r\nSubject: truncated\r\n\r\n"
	for _, first := range []string{"", head} {
		c := dialRaw(t, ts.addr).login("acme")
		c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
		c.want(c.cmd("RCPT TO:<r@example.net>"), "250")
		rest := "only the first part of a long message\r\n"
		if first == "" {
			rest = head + rest
		} else {
			c.write(fmt.Sprintf("BDAT %d\r\n", len(first)) + first)
			c.want(c.reply(), "250")
		}
		c.write("BDAT 100000 LAST\r\n" + rest)
		c.conn.(*net.TCPConn).CloseWrite()
		<-closed // the session is over: Data has returned
		if n := len(ts.spool.messages()); n != 0 {
			t.Fatalf("%d messages queued from a cut BDAT LAST (first chunk %q)", n, first)
		}
	}
}
