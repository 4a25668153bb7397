package inbound

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/queue"
)

// countingInbox records the returns stored, and their bytes.
type countingInbox struct {
	mu    sync.Mutex
	rcpts []string
	bytes int
}

func (c *countingInbox) AddReturn(_ context.Context, r *queue.Return) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rcpts = append(c.rcpts, r.Rcpt)
	c.bytes += len(r.Data)
	return nil
}

// TestOneMessageManyRecipientsStoredBounded: a return is stored once per
// recipient, so a stranger's one large message to many spellings of the
// MX's mailboxes multiplied into the spool (10 MiB x 50 RCPTs was 500 MB
// and 2 GB of RSS, live). Now at most MaxRecipients RCPTs are taken
// (452 past them, advertised as LIMITS RCPTMAX), one mailbox written
// twice is stored once, a role mailbox's copy is cut to roleKeep, and
// the feedback-loop mailboxes of every bounce domain are one reader. Of
// a 1 MB message to fbl@, arf@, postmaster@ and abuse@ in every case and
// at two bounce domains, one full copy is stored, plus the heads.
func TestOneMessageManyRecipientsStoredBounded(t *testing.T) {
	t.Parallel()
	inbox := &countingInbox{}
	b := NewBackend(ServerConfig{Hostname: "mx.test", Domains: []string{bounceDomain, "bounces2.test"}, FBLLocalParts: []string{"fbl", "arf"},
		Inbox: inbox, Logger: slog.New(slog.DiscardHandler)})
	c, reply := dialMX(t, b)
	reply("")
	if got := reply("EHLO stranger.test"); !strings.Contains(got, "LIMITS RCPTMAX=10") {
		t.Errorf("EHLO's last line %q, want LIMITS RCPTMAX=10", got)
	}
	reply("MAIL FROM:<>")
	accepted, refused := 0, 0
	first := []string{"fbl@" + bounceDomain, "FBL@" + bounceDomain + ".", "arf@" + bounceDomain, "fbl@bounces2.test",
		"Fbl@BOUNCES2.TEST", "postmaster@" + bounceDomain, "POSTMASTER@" + bounceDomain, "abuse@" + bounceDomain,
		"postmaster@bounces2.test", "postmaster"}
	for i := range 50 {
		rcpt := first[i%len(first)]
		switch got := reply("RCPT TO:<" + rcpt + ">"); {
		case strings.HasPrefix(got, "250 "):
			accepted++
		case strings.HasPrefix(got, "452 "):
			refused++
		default:
			t.Fatalf("RCPT %d: %q", i, got)
		}
	}
	const maxRcpts, keep = 10, 64 << 10 // DefaultMaxRecipients, roleKeep
	if accepted != maxRcpts || refused != 50-maxRcpts {
		t.Errorf("RCPT: %d accepted, %d refused; want %d accepted", accepted, refused, maxRcpts)
	}
	if got := reply("DATA"); !strings.HasPrefix(got, "354 ") {
		t.Fatalf("DATA: %q", got)
	}
	line := strings.Repeat("A", 76) + "\r\n"
	w := bufio.NewWriter(c)
	w.WriteString("Subject: big\r\n\r\n")
	for range 1 << 20 / len(line) {
		w.WriteString(line)
	}
	w.WriteString(".\r\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := reply(""); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("end of DATA: %q", got)
	}
	inbox.mu.Lock()
	defer inbox.mu.Unlock()
	var full []string
	for _, r := range inbox.rcpts {
		if l, _, _ := splitAddr(r); strings.EqualFold(l, "fbl") || strings.EqualFold(l, "arf") {
			full = append(full, r)
		}
	}
	if len(full) != 1 || len(inbox.rcpts) != 5 {
		t.Errorf("stored for %v; want one feedback-loop mailbox and the 4 role mailboxes, each once", inbox.rcpts)
	}
	if max := 1<<20 + (len(inbox.rcpts)-1)*keep + 64; inbox.bytes > max {
		t.Errorf("stored %d bytes for %v, want at most one full copy and heads (%d)", inbox.bytes, inbox.rcpts, max)
	}
}

// dialMX serves b on a loopback listener, connects to it and returns the
// connection and a function that sends one command line ("" sends
// nothing: the greeting, or data written on the connection) and returns
// the last line of its reply.
func dialMX(t *testing.T, b *Backend) (net.Conn, func(cmd string) string) {
	t.Helper()
	srv := b.NewServer(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	return c, func(cmd string) string {
		t.Helper()
		if cmd != "" {
			fmt.Fprintf(c, "%s\r\n", cmd)
		}
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			if len(l) < 4 || l[3] != '-' {
				return strings.TrimSpace(l)
			}
		}
	}
}
