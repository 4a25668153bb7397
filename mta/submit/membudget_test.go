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

// The budget's wait: a reservation that does not fit waits (when it may)
// until a release makes room, or until DataMemoryWait; one that may not
// wait, or that exceeds the whole budget, is refused at once. (Over
// loopback a session waits only when it holds nothing yet, which needs a
// budget all but full: TestDataMemoryBudget shows the refusal there.)
func TestDataBudgetWait(t *testing.T) {
	t.Parallel()
	d := newDataBudget(150, time.Minute)
	if !d.acquire(100, true) {
		t.Fatal("100 of 150 refused")
	}
	if d.acquire(100, false) {
		t.Fatal("a reservation that may not wait was granted over the budget")
	}
	if d.acquire(151, true) {
		t.Fatal("more than the whole budget was granted")
	}
	got := make(chan bool)
	go func() { got <- d.acquire(100, true) }()
	waitFor(t, func() bool { _, w := d.inUse(); return w == 1 })
	d.release(100)
	if !<-got {
		t.Fatal("the waiter was refused after the release")
	}
	if n, w := d.inUse(); n != 100 || w != 0 {
		t.Fatalf("held %d, waiting %d; want 100, 0", n, w)
	}
	short := newDataBudget(10, time.Nanosecond)
	short.acquire(10, true)
	if short.acquire(1, true) {
		t.Fatal("granted past the wait")
	}
	var none *dataBudget
	if !none.acquire(1<<40, true) {
		t.Fatal("no budget refused")
	}
}

// A lying SIZE= holds no more than what arrives (times the doubling):
// the buffer grows to the declared size only once a quarter of it came.
func TestReadDataSizeHint(t *testing.T) {
	t.Parallel()
	b := &Backend{}
	var held int64
	hold := func(n int64) bool { held += n; return true }
	small := strings.Repeat("x", 100)
	got, err := b.readDataHeld(strings.NewReader(small), 25<<20, 25<<20, hold)
	if err != nil || string(got) != small {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if held > 16<<10 {
		t.Errorf("100 bytes under SIZE=25MB held %d bytes", held)
	}
	held = 0
	big := strings.Repeat("y", 1<<20)
	got, err = b.readDataHeld(strings.NewReader(big), 25<<20, 1<<20, hold)
	if err != nil || len(got) != len(big) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if c := int64(cap(got)); c != 1<<20+1 || held > 2<<20 {
		t.Errorf("1 MiB under SIZE=1MiB: buffer %d, held %d", c, held)
	}
}
