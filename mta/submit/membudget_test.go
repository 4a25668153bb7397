package submit

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"sluice/queue"
)

// rcptTracker stands for the tracking rewrite: every recipient's copy
// differs (a per-recipient field), so each is a message of its own.
type rcptTracker struct{}

func (rcptTracker) Track(_ string, _ queue.ID, rcpt string, _ queue.Stream, msg []byte) ([]byte, bool, error) {
	return append([]byte("X-Token: "+rcpt+"\r\n"), msg...), true, nil
}

// bigMessage is a message of about n bytes.
func bigMessage(n int) string {
	line := strings.Repeat("x", 76) + "\r\n"
	return "From: a@acme.example\r\nSubject: big\r\n\r\n" + strings.Repeat(line, n/len(line))
}

// The redteam's F2: with tracking, every recipient's signed copy was held
// in memory until the one Enqueue (4 MB × 50 recipients: 767 MB). The
// copies of one message are now bounded by MaxCopyBytes: over it the
// message is refused 552 5.3.4, before the copies are built, with the
// number of recipients that fit, and nothing is queued; within it every
// copy is queued in one durable write, as before.
func TestTrackedCopiesBound(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{MaxCopyBytes: 100 << 10},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}, Tracker: rcptTracker{}})
	msg := bigMessage(20 << 10)
	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
	for i := range 10 {
		c.want(c.cmd(fmt.Sprintf("RCPT TO:<r%d@example.net>", i)), "250")
	}
	c.want(c.cmd("DATA"), "354")
	c.write(msg + ".\r\n")
	got := c.reply()
	if !strings.HasPrefix(got, "552 5.3.4") || !strings.Contains(got, "at most 4 recipients") {
		t.Fatalf("20 KB to 10 tracked recipients, 100 KB of copies allowed: %q, want 552 5.3.4 naming 4", got)
	}
	if n := len(ts.spool.messages()); n != 0 {
		t.Fatalf("%d copies queued after the refusal", n)
	}
	if n := ts.rejected("copies_too_large"); n != 1 {
		t.Errorf("copies_too_large counted %d times", n)
	}
	c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
	for i := range 4 {
		c.want(c.cmd(fmt.Sprintf("RCPT TO:<r%d@example.net>", i)), "250")
	}
	c.want(c.cmd("DATA"), "354")
	c.write(msg + ".\r\n")
	c.want(c.reply(), "250 ")
	if n := len(ts.spool.messages()); n != 4 {
		t.Fatalf("%d copies queued, want 4", n)
	}
	if n, _ := ts.b.mem.inUse(); n != 0 {
		t.Errorf("%d bytes still held after the answers", n)
	}
}

// The redteam's F8: concurrent DATAs each held several times their size
// with nothing bounding the sum. A process-wide budget of message bytes
// now does: a session that finds it full waits (DataMemoryWait), then
// gets 452 4.3.1 and nothing is queued; once the holder answers, the same
// message goes through; nothing stays held.
func TestDataMemoryBudget(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{DataMemory: 150 << 10, DataMemoryWait: 1},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	msg := bigMessage(40 << 10)

	// A holds about 64 KiB: its first BDAT chunk is read (the 250 comes
	// once the session has taken it) but the message is not finished.
	a := dialRaw(t, ts.addr).login("acme")
	a.want(a.cmd("MAIL FROM:<a@acme.example>"), "250")
	a.want(a.cmd("RCPT TO:<r@example.net>"), "250")
	a.write(fmt.Sprintf("BDAT %d\r\n", len(msg)) + msg)
	a.want(a.reply(), "250")

	b := dialRaw(t, ts.addr).login("acme")
	b.want(b.cmd("MAIL FROM:<a@acme.example>"), "250")
	b.want(b.cmd("RCPT TO:<r@example.net>"), "250")
	b.want(b.cmd("DATA"), "354")
	b.write(msg + ".\r\n")
	if got := b.reply(); !strings.HasPrefix(got, "452 4.3.1") {
		t.Fatalf("DATA while the budget is held: %q, want 452 4.3.1", got)
	}
	if n := len(ts.spool.messages()); n != 0 || ts.rejected("data_memory") == 0 {
		t.Fatalf("%d queued, data_memory counted %d times", n, ts.rejected("data_memory"))
	}

	a.want(a.bdat("\r\n", 2), "250 ")
	b.want(b.cmd("MAIL FROM:<a@acme.example>"), "250")
	b.want(b.cmd("RCPT TO:<r@example.net>"), "250")
	b.want(b.cmd("DATA"), "354")
	b.write(msg + ".\r\n")
	b.want(b.reply(), "250 ")
	if n := len(ts.spool.messages()); n != 2 {
		t.Fatalf("%d queued, want 2", n)
	}
	if n, _ := ts.b.mem.inUse(); n != 0 {
		t.Errorf("%d bytes still held after the answers", n)
	}
	// A connection that dies mid-message gives back what it held too.
	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
	c.want(c.cmd("RCPT TO:<r@example.net>"), "250")
	c.write("BDAT 100000 LAST\r\n" + msg)
	c.conn.(*net.TCPConn).CloseWrite()
	c.r.ReadString('\n') // the server closes: EOF
	waitFor(t, func() bool { n, _ := ts.b.mem.inUse(); return n == 0 })
}

// A message whose first reservation finds the budget full waits for room
// (up to DataMemoryWait) and goes on when another session's answer frees
// it. (Its first reservation is its SIZE= here, 90 KB: A holds 64 KiB of
// 150.)
func TestDataMemoryWait(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{DataMemory: 150 << 10, DataMemoryWait: time.Minute},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}})
	msg := bigMessage(40 << 10)
	a := dialRaw(t, ts.addr).login("acme")
	a.want(a.cmd("MAIL FROM:<a@acme.example>"), "250")
	a.want(a.cmd("RCPT TO:<r@example.net>"), "250")
	a.write(fmt.Sprintf("BDAT %d\r\n", len(msg)) + msg)
	a.want(a.reply(), "250")

	b := dialRaw(t, ts.addr).login("acme")
	b.want(b.cmd("MAIL FROM:<a@acme.example> SIZE=90000"), "250")
	b.want(b.cmd("RCPT TO:<r@example.net>"), "250")
	b.want(b.cmd("DATA"), "354")
	b.write(msg + ".\r\n")
	waitFor(t, func() bool { _, w := ts.b.mem.inUse(); return w == 1 })
	a.want(a.bdat("\r\n", 2), "250 ")
	b.want(b.reply(), "250 ")
	if n := ts.rejected("data_memory"); n != 0 {
		t.Errorf("data_memory counted %d times", n)
	}
}
