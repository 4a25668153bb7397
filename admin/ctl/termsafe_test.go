package ctl

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"sluice/queue"
)

// TestHostileReplyCannotDriveTheTerminal: a receiving MX's reply (the
// tenant's own domain can answer anything) reaches `ctl queue show` as
// LAST_REPLY; its escape sequences (clear screen, fake text, set title,
// OSC 52 clipboard) are printed as visible escapes, not obeyed. --json
// keeps the text (JSON escapes it).
func TestHostileReplyCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	id := n.enqueue("victim@esc.example")
	work, err := n.spool.Claim(context.Background(), 10, 10)
	if err != nil || len(work) != 1 {
		t.Fatalf("claim: %v, %d", err, len(work))
	}
	reply := "451 4.2.0 \x1b]0;title\x07\x1b[2J\x1b[Hqueue empty\x1b[8m \x1b]52;c;cm0gLXJmIC8K\x07 \u009b31m \x9b1A \u00e9t\u00e9"
	if err := n.spool.Complete(context.Background(), []queue.Result{{ID: id, Index: 0, Outcome: queue.OutcomeDeferred,
		Code: 451, Reply: reply}}); err != nil {
		t.Fatal(err)
	}
	out := n.ok("queue", "show", id.String())
	if strings.ContainsAny(out, "\x1b\x07\u009b") || bytes.ContainsRune([]byte(out), 0x9b) || strings.Contains(out, "\x9b") {
		t.Fatalf("control characters reached the terminal:\n%q", out)
	}
	for _, want := range []string{`\x1b]0;title\x07\x1b[2J`, `\u009b31m`, "\u00e9t\u00e9"} {
		if !strings.Contains(out, want) {
			t.Errorf("queue show misses %q:\n%s", want, out)
		}
	}
	if js := n.ok("--json", "queue", "show", id.String()); !strings.Contains(js, `\u001b]0;title\u0007`) {
		t.Errorf("queue show --json lost the reply:\n%s", js)
	}
	// The stored message's bytes stay raw (postcat): data, not a table.
	if body := n.ok("queue", "show", id.String(), "--headers"); !strings.HasPrefix(body, "Subject: hi\r\n") {
		t.Errorf("queue show --headers: %q", body)
	}
}

// TestTermSafeKeepsUTF8AcrossWrites: a UTF-8 character cut between two
// writes is kept whole; an incomplete one at the end is escaped by Flush.
func TestTermSafeKeepsUTF8AcrossWrites(t *testing.T) {
	var b bytes.Buffer
	w := &termSafe{w: &b}
	for _, p := range []string{"a\xc3", "\xa9\tb\n\xe2\x82", "\xac \x7f", "\xc2"} {
		if n, err := w.Write([]byte(p)); err != nil || n != len(p) {
			t.Fatalf("write %q: %d, %v", p, n, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "a\u00e9\tb\n\u20ac \\x7f\\xc2"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestTopStillClearsTheScreen: `ctl top`'s own clear-screen sequence
// reaches the terminal; the tables after it are filtered.
func TestTopStillClearsTheScreen(t *testing.T) {
	var b bytes.Buffer
	o := out{w: &termSafe{w: &b}, bytes: &b}
	if err := printTop(o, TopView{}, true); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), clearScreen) {
		t.Fatalf("top's screen starts %q, want the clear-screen sequence", b.String()[:min(20, b.Len())])
	}
}

// TestTermSafeEscapesBidiControls: a right-to-left override in a reply
// would reorder the rest of the line on the operator's screen (an address
// or a count shown reversed); bidirectional controls are escaped, other
// non-ASCII text is kept (review8).
func TestTermSafeEscapesBidiControls(t *testing.T) {
	var b bytes.Buffer
	w := &termSafe{w: &b}
	if _, err := w.Write([]byte("550 user \u202Emoc.elpmaxe@live\u202C unknown, Grüße \u2067x\u2069")); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `550 user \u202emoc.elpmaxe@live\u202c unknown, Grüße \u2067x\u2069`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
