package guard

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestCommandBudget: MaxCommands caps the command lines between two
// accepted messages, authenticated or not: a NOOP flood after a message
// gets MaxCommands answers, then 421 4.7.0 and the close; the message's
// own commands do not count against the lines after it (Progress).
// Before, an inbound MX answered 20,000 pipelined NOOPs.
func TestCommandBudget(t *testing.T) {
	t.Parallel()
	const max = 6
	l, _ := serve(t, ListenerConfig{MaxCommands: max}, nil)
	c := dialFrom(t, l, "127.0.0.1")
	c.line()
	msg := "EHLO a.test\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n"
	if _, err := io.WriteString(c.c, msg+strings.Repeat("NOOP\r\n", 200)); err != nil {
		t.Fatal(err)
	}
	got := replies(c)
	// EHLO, MAIL, RCPT, 354, 250 queued, max NOOPs, 421.
	if len(got) != 5+max+1 {
		t.Fatalf("%d replies %q; want %d", len(got), got, 5+max+1)
	}
	if last := got[len(got)-1]; last != "421 4.7.0 Too many commands, closing connection" {
		t.Fatalf("last reply %q; want 421 4.7.0 Too many commands", last)
	}
	for _, r := range got[5 : 5+max] {
		if !strings.HasPrefix(r, "250 ") {
			t.Fatalf("NOOP answered %q (all %q)", r, got)
		}
	}
}

// TestLimitCommands: a server sets the budget from its session
// (LimitCommands) when the listener sets none, counting the lines already
// read; a listener's own MaxCommands wins.
func TestLimitCommands(t *testing.T) {
	t.Parallel()
	gc := &Conn{l: &Listener{cfg: ListenerConfig{MaxCommands: 3}}}
	gc.LimitCommands(100)
	if gc.cmdMax.Load() != 0 {
		t.Fatalf("LimitCommands overrode the listener's MaxCommands")
	}
	gc = &Conn{l: &Listener{}}
	gc.LimitCommands(5)
	gc.LimitCommands(500) // the first one holds (a later EHLO cannot raise it)
	for i := 0; i < 5; i++ {
		if gc.overBudget() {
			t.Fatalf("over the budget at line %d of 5", i+1)
		}
	}
	if !gc.overBudget() {
		t.Fatalf("line 6 of a 5-line budget was allowed")
	}
	gc.Progress()
	if gc.overBudget() {
		t.Fatalf("Progress did not restore the budget")
	}
}

// TestCutSessionDrainsAside: a session cut over the command cap is
// drained after its 421 (so the client reads it), but not inside Close:
// the connection keeps its place under the caps while it drains, and the
// Listener's Close cuts the drain short. Before, Close drained for up to
// a second in the closing goroutine (go-smtp's Server.Close closes its
// connections one after another) with the place already released.
func TestCutSessionDrainsAside(t *testing.T) {
	t.Parallel()
	l, _ := serve(t, ListenerConfig{PreAuthTimeout: time.Minute, MaxPreAuthCommands: 3, lingerTime: time.Hour}, nil)
	c := dialFrom(t, l, "127.0.0.1")
	c.line()
	if _, err := io.WriteString(c.c, strings.Repeat("NOOP\r\n", 50)); err != nil {
		t.Fatal(err)
	}
	got := replies(c) // until the server's FIN: the drain has begun
	if len(got) != 4 || !strings.HasPrefix(got[3], "421 4.7.0") {
		t.Fatalf("replies %q; want 3 answers then 421 4.7.0", got)
	}
	if st := l.Stats(); st.Conns != 1 {
		t.Fatalf("while draining, Stats %+v; want the connection still counted", st)
	}
	closed := make(chan struct{})
	go func() {
		l.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute): // the drain would last an hour
		t.Fatal("Listener.Close waited for a drain (lingerTime 1h)")
	}
	if st := l.Stats(); st.Conns != 0 {
		t.Fatalf("after Close, Stats %+v; want no connection", st)
	}
}
