package submit

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"sluice/mta/guard"
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
	take := func(n int64, wait bool) claim { return claim{tenant: "a", n: n, mayWait: wait} }
	d := newDataBudget(150, time.Minute)
	if !d.acquire(take(100, true)) {
		t.Fatal("100 of 150 refused")
	}
	if d.acquire(take(100, false)) {
		t.Fatal("a reservation that may not wait was granted over the budget")
	}
	if d.acquire(take(151, true)) {
		t.Fatal("more than the whole budget was granted")
	}
	got := make(chan bool)
	go func() { got <- d.acquire(take(100, true)) }()
	waitFor(t, func() bool { _, w := d.inUse(); return w == 1 })
	d.release("a", 100)
	if !<-got {
		t.Fatal("the waiter was refused after the release")
	}
	if n, w := d.inUse(); n != 100 || w != 0 {
		t.Fatalf("held %d, waiting %d; want 100, 0", n, w)
	}
	short := newDataBudget(10, time.Nanosecond) // large messages may use 9
	short.acquire(take(9, true))
	if short.acquire(take(1, true)) {
		t.Fatal("granted past the wait")
	}
	var none *dataBudget
	if !none.acquire(take(1<<40, true)) {
		t.Fatal("no budget refused")
	}
}

// The budget's shares (N4): a tenant's messages hold at most its share,
// and a message over it never waits; large messages leave the last
// eighth to small ones, so a small message fits when the rest is taken.
func TestDataBudgetShares(t *testing.T) {
	t.Parallel()
	d := newDataBudget(1600, time.Minute) // reserve 200, small up to 100
	big := func(tenant string, held, n int64) claim {
		return claim{tenant: tenant, held: held, n: n, share: 800}
	}
	if !d.acquire(big("a", 0, 500)) || !d.acquire(big("a", 0, 300)) {
		t.Fatal("tenant a refused within its share")
	}
	if d.acquire(big("a", 0, 1)) {
		t.Fatal("tenant a granted past its share")
	}
	if ok, never := d.fits(big("b", 0, 801)); ok || !never {
		t.Fatalf("a message over the share: fits %v, never %v; want false, true", ok, never)
	}
	if !d.acquire(big("b", 0, 600)) {
		t.Fatal("tenant b refused within its share and the budget less the reserve")
	}
	if d.acquire(big("c", 0, 101)) {
		t.Fatal("a large message took the reserve")
	}
	if !d.acquire(big("c", 0, 100)) || !d.acquire(big("d", 50, 50)) {
		t.Fatal("small messages refused the reserve")
	}
	if d.acquire(big("d", 100, 1)) {
		t.Fatal("a message grown past small kept the reserve")
	}
	if got := d.tenantInUse("a"); got != 800 {
		t.Errorf("tenant a holds %d, want 800", got)
	}
	d.release("a", 800)
	if got := d.tenantInUse("a"); got != 0 {
		t.Errorf("tenant a holds %d after its release", got)
	}
	if s := newDataBudget(100<<20, 0).tenantShare(1 << 20); s != 25<<20 {
		t.Errorf("derived share of 100 MiB: %d, want a quarter", s)
	}
	if s := newDataBudget(16<<20, 0).tenantShare(11 << 20); s != 11<<20 {
		t.Errorf("derived share of 16 MiB when a message needs 11 MiB: %d, want 11 MiB", s)
	}
	if s := newDataBudget(16<<20, 0).tenantShare(15 << 20); s != 14<<20 {
		t.Errorf("derived share of 16 MiB when a message needs 15 MiB: %d, want the budget less the reserve", s)
	}
}

// The verify round's N4 over loopback: tenant hog opens eight sessions,
// each reads 700 KiB of a BDAT message and stalls. Before the shares they
// held the whole 8 MiB budget and tenant small's 5-byte message got 452
// 4.3.1. Now hog's messages hold at most its share (3 MiB: the room one
// 1 MiB message needs), the sessions over it get 452 at once, and small's
// message is queued.
func TestTenantCannotStarveOthers(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{DataMemory: 8 << 20, DataMemoryWait: 1},
		&Tenant{Name: "hog", Username: "hog", SenderDomains: []string{"hog.example"}},
		&Tenant{Name: "small", Username: "small", SenderDomains: []string{"small.example"}})
	chunk := bigMessage(700 << 10)
	var admitted int
	for range 8 {
		c := dialRaw(t, ts.addr).login("hog")
		c.want(c.cmd("MAIL FROM:<a@hog.example>"), "250")
		c.want(c.cmd("RCPT TO:<r@example.net>"), "250")
		c.write(fmt.Sprintf("BDAT %d\r\n", len(chunk)) + chunk)
		switch got := c.reply(); {
		case strings.HasPrefix(got, "250"):
			admitted++
		case !strings.HasPrefix(got, "452 4.3.1"):
			t.Fatalf("hog's chunk: %q, want 250 or 452 4.3.1", got)
		}
	}
	share := ts.b.mem.tenantShare(ts.b.oneMessage())
	if held := ts.b.mem.tenantInUse("hog"); held > share || admitted == 8 {
		t.Errorf("hog holds %d bytes in %d stalled sessions, share %d", held, admitted, share)
	}
	s := dialRaw(t, ts.addr).login("small")
	if got := s.send("a@small.example", "r@example.net", "From: a@small.example\r\nSubject: hi\r\n\r\nhello\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("small's 5-byte message while hog stalls: %q, want 250", got)
	}
}

// The DATA deadline (N4's other half): a client trickling or stalling
// its data holds its memory until the deadline at most. Then the answer
// is 451 4.4.2, the connection is closed (the rest of the data is never
// read as commands) and the memory is released. Over BDAT, stalled
// between chunks, the connection is cut (go-smtp's 421 4.4.2) and the
// memory released too. A message finished in time leaves no deadline
// armed. With a guard in front (its hang-up) and without (the read side
// shut).
func TestDataDeadline(t *testing.T) {
	t.Parallel()
	acme := func() *Tenant {
		return &Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}}
	}
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		testDataDeadline(t, startServer(t, Config{DataMemory: 8 << 20}, acme()))
	})
	t.Run("guarded", func(t *testing.T) {
		t.Parallel()
		ts, _ := guardedWith(t, guard.ListenerConfig{}, Config{DataMemory: 8 << 20}, acme())
		testDataDeadline(t, ts)
	})
}

func testDataDeadline(t *testing.T, ts *testServer) {
	ts.b.SetDataLimits(0, 300*time.Millisecond)
	msg := bigMessage(100 << 10)

	ok := dialRaw(t, ts.addr).login("acme")
	ok.want(ok.send("a@acme.example", "r@example.net", "From: a@acme.example\r\nSubject: hi\r\n\r\nhello\r\n.\r\n"), "250 ")
	ts.b.mem.mu.Lock()
	armed := len(ts.b.mem.msgs)
	ts.b.mem.mu.Unlock()
	if armed != 0 {
		t.Errorf("%d deadlines armed after a finished message", armed)
	}

	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.cmd("MAIL FROM:<a@acme.example>"), "250")
	c.want(c.cmd("RCPT TO:<r@example.net>"), "250")
	c.want(c.cmd("DATA"), "354")
	c.write(msg[:len(msg)/2] + "\r\nRSET\r\n") // and stalls
	c.want(c.reply(), "451 4.4.2")
	if l, err := c.r.ReadString('\n'); err == nil {
		t.Errorf("after 451 the connection goes on: %q", l)
	}
	waitFor(t, func() bool { n, _ := ts.b.mem.inUse(); return n == 0 })
	if n := ts.rejected("data_timeout"); n != 1 {
		t.Errorf("data_timeout counted %d times", n)
	}

	b := dialRaw(t, ts.addr).login("acme")
	b.want(b.cmd("MAIL FROM:<a@acme.example>"), "250")
	b.want(b.cmd("RCPT TO:<r@example.net>"), "250")
	b.write(fmt.Sprintf("BDAT %d\r\n", len(msg)) + msg)
	b.want(b.reply(), "250")
	if n, _ := ts.b.mem.inUse(); n == 0 {
		t.Fatal("nothing held during the BDAT message")
	}
	if got := b.replyOrEmpty(); got != "" && !strings.HasPrefix(got, "421 4.4.2") {
		t.Errorf("stalled BDAT: %q, want 421 4.4.2 or the connection closed", got)
	}
	waitFor(t, func() bool { n, _ := ts.b.mem.inUse(); return n == 0 })
	if n := len(ts.spool.messages()); n != 1 {
		t.Errorf("%d messages queued, want the one finished in time", n)
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
