package inbound

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/mta/guard"
)

// serveGuarded runs the inbound MX with cfg behind a guard listener with
// no caps of its own, as sluice serves it, and returns its address.
func serveGuarded(t *testing.T, cfg ServerConfig) string {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := guard.Listen(inner, guard.ListenerConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hostname, cfg.Domains = "mx.test", []string{"bounces.test"}
	if cfg.Inbox == nil {
		cfg.Inbox = &memInbox{}
	}
	srv := NewBackend(cfg).NewServer(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// pipeline writes script at once and returns the last line of each reply
// until the server closes the connection (30s at most).
func pipeline(t *testing.T, addr, script string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, script); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	var out []string
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

const msgLines = "MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\nSubject: r\r\n\r\nreturn\r\n.\r\n"

// TestInboundCommandCap (N5): a NOOP flood gets MaxCommands answers, then
// 421 4.7.0 and the close; an accepted message starts the budget again;
// the MAIL after MaxMessages messages gets 421 4.7.0 and the close.
// Before, 20,000 pipelined NOOPs were all answered.
func TestInboundCommandCap(t *testing.T) {
	t.Parallel()
	const max = 8
	addr := serveGuarded(t, ServerConfig{MaxCommands: max, MaxMessages: 2})

	got := pipeline(t, addr, "EHLO a.test\r\n"+strings.Repeat("NOOP\r\n", 500))
	// The greeting, EHLO, max-1 NOOPs (EHLO is the first line), 421.
	if len(got) != 2+max-1+1 || got[len(got)-1] != "421 4.7.0 Too many commands, closing connection" {
		t.Fatalf("NOOP flood: %d replies, last %q; want %d, then 421 4.7.0 Too many commands", len(got), got[len(got)-1], 2+max)
	}

	// EHLO, a message (4 lines), 5 NOOPs, a message: 8 lines each side
	// of the first message, then a third MAIL over MaxMessages.
	got = pipeline(t, addr, "EHLO a.test\r\n"+msgLines+strings.Repeat("NOOP\r\n", 4)+msgLines+msgLines+"NOOP\r\n")
	if last := got[len(got)-1]; last != "421 4.7.0 Too many messages in one connection, closing connection" {
		t.Fatalf("replies %q; want the third MAIL refused with 421 4.7.0 Too many messages", got)
	}
	if n := strings.Count(strings.Join(got, "\n"), "250 2.0.0 OK: queued"); n != 2 {
		t.Fatalf("replies %q; want two messages queued", got)
	}
	if len(got) != 15 { // 220, EHLO, 4 per message, 4 NOOPs, 421
		t.Fatalf("%d replies %q; want 15 (nothing after the 421 runs)", len(got), got)
	}
}

// TestInboundCommandCapKeepsMTAs: a real client sending many messages of
// 50 recipients on one connection (MaxRecipients raised from its default
// 10) stays under a budget of 60 lines between messages: the cap bounds
// junk, not mail.
func TestInboundCommandCapKeepsMTAs(t *testing.T) {
	t.Parallel()
	inbox := &memInbox{}
	addr := serveGuarded(t, ServerConfig{MaxCommands: 60, Inbox: inbox, MaxRecipients: 50})
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const msgs, rcpts = 30, 50
	for i := 0; i < msgs; i++ {
		if err := c.Mail("", nil); err != nil {
			t.Fatalf("message %d: MAIL: %v", i, err)
		}
		for j := 0; j < rcpts; j++ {
			if err := c.Rcpt("postmaster", nil); err != nil {
				t.Fatalf("message %d: RCPT %d: %v", i, j, err)
			}
		}
		w, err := c.Data()
		if err != nil {
			t.Fatalf("message %d: DATA: %v", i, err)
		}
		io.WriteString(w, "Subject: r\r\n\r\nreturn\r\n")
		if err := w.Close(); err != nil {
			t.Fatalf("message %d: end of data: %v", i, err)
		}
		if err := c.Noop(); err != nil {
			t.Fatalf("after message %d: NOOP: %v", i, err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	inbox.mu.Lock()
	defer inbox.mu.Unlock()
	// One mailbox named 50 times in a message is stored once.
	if len(inbox.got) != msgs {
		t.Fatalf("%d returns stored; want %d", len(inbox.got), msgs)
	}
}
