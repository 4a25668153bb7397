package guard

import (
	"bufio"
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// replies reads reply lines until the connection ends (10s at most) and
// returns the final lines of each reply.
func replies(c *client) []string {
	c.t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []string
	for {
		s, err := c.br.ReadString('\n')
		if s = strings.TrimRight(s, "\r\n"); len(s) >= 4 && s[3] != '-' {
			out = append(out, s)
		}
		if err != nil {
			return out
		}
	}
}

// TestPreAuthCommandCapPipelined: the cap counts commands, not network
// reads. Commands pipelined in one write, in one TCP segment or many,
// before or after EHLO, are answered up to the cap; the next one gets
// 421 4.7.0 and nothing after it runs. Before the fix 600 pipelined NOOPs
// were all answered and the client got "421 4.4.2 Idle timeout".
func TestPreAuthCommandCapPipelined(t *testing.T) {
	t.Parallel()
	const max = 5
	var cut counter
	l, _ := serve(t, ListenerConfig{PreAuthTimeout: time.Minute, MaxPreAuthCommands: max,
		Metrics: ListenerMetrics{PreAuthCut: cut.inc}}, nil)
	for _, batch := range []string{
		strings.Repeat("NOOP\r\n", 600),
		"EHLO a.test\r\n" + strings.Repeat("RSET\r\nNOOP\r\n", 50),
		strings.Repeat("HELP\r\n", max) + "NOOP\r\n" + strings.Repeat("VRFY x\r\n", 40) + "NOOP",
	} {
		c := dialFrom(t, l, "127.0.0.1")
		c.line()
		if _, err := io.WriteString(c.c, batch); err != nil {
			t.Fatal(err)
		}
		// A client that reads late: closing with its commands unread
		// would reset the connection and lose the replies on the way,
		// the 421 among them (the server drains them first: Close).
		time.Sleep(300 * time.Millisecond)
		got := replies(c)
		if len(got) != max+1 || !strings.HasPrefix(got[max], "421 4.7.0") {
			t.Fatalf("%d replies to a pipelined batch (last %q); want %d answers then 421 4.7.0", len(got), got[len(got)-1], max)
		}
		for _, r := range got[:max] {
			if strings.HasPrefix(r, "421") {
				t.Fatalf("early 421: %q", got)
			}
		}
	}
	if cut.get("commands") != 3 {
		t.Fatalf("PreAuthCut = %v, want 3 commands cuts", cut.m)
	}
}

// TestPreAuthCommandCapPipelinedTLS: the same over STARTTLS, where the
// guard sees only ciphertext: the cap holds, and the reply is the same
// 421 4.7.0, which go-smtp writes through TLS (before the go-smtp patch,
// its own "421 4.4.0 Connection error, sorry").
func TestPreAuthCommandCapPipelinedTLS(t *testing.T) {
	t.Parallel()
	const max = 6
	cert := selfSigned(t)
	l, _ := serveWith(t, ListenerConfig{PreAuthTimeout: time.Minute, MaxPreAuthCommands: max}, nil, func(s *smtp.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	c := dialFrom(t, l, "127.0.0.1")
	c.line()
	c.cmd("EHLO tls.test")
	if got := c.cmd("STARTTLS"); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.c, c.br = tc, bufio.NewReader(tc)
	if _, err := io.WriteString(tc, strings.Repeat("NOOP\r\n", 300)); err != nil {
		t.Fatal(err)
	}
	got := replies(c)
	if len(got) != max-2+1 || got[len(got)-1] != "421 4.7.0 Too many commands before authentication, closing connection" {
		t.Fatalf("over TLS: %d replies (%q…); want %d answers then 421 4.7.0 Too many commands", len(got), got[len(got)-1], max-2)
	}
}

// TestPartialLineAtDeadlineNotRun: a command line cut by the absolute
// pre-auth deadline is dropped, not run: the client gets the deadline's
// 421 and no answer to half an EHLO (before the fix, "250-Hello"). A line
// that starts with 0x16 in clear (not a TLS handshake) changes nothing
// (before, it switched the guard's line holding off). The partial is
// written at once after the dial and the deadline is 2s, so a loaded
// machine still reads it in time; the test waits for the close, not for
// a duration.
func TestPartialLineAtDeadlineNotRun(t *testing.T) {
	t.Parallel()
	l, _ := serve(t, ListenerConfig{PreAuthTimeout: 2 * time.Second}, nil)
	for _, partial := range []string{"EHLO aaaaaaaaaaaaaaaaaaaa", "NOOP", "NOOP\r\nEHLO b", "\x16NOOP\r\nEHLO b"} {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			c := dialFrom(t, l, "127.0.0.1")
			if _, err := io.WriteString(c.c, partial); err != nil {
				t.Fatal(err)
			}
			got := replies(c)
			if len(got) < 2 || !strings.HasPrefix(got[0], "220 ") || !strings.HasPrefix(got[len(got)-1], "421 4.4.2") {
				t.Fatalf("partial %q at the deadline: replies %q; want the greeting … 421 4.4.2", partial, got)
			}
			// Whole lines before the partial one may be answered (if
			// read before the deadline); the partial one never is.
			if lines := strings.Count(partial, "\n"); len(got) > lines+2 {
				t.Fatalf("partial %q at the deadline: replies %q; the partial line was run", partial, got)
			}
		})
	}
}
