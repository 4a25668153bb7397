package submit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sluice/queue"
)

// suppressedStore is a real spool holding a suppression of each of addrs
// for tenant "acme", as `sluice serve` opens it (keys rewritten).
func suppressedStore(t *testing.T, addrs ...string) *queue.Store {
	t.Helper()
	st, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if err := st.Suppress(ctx, queue.Suppression{Tenant: "acme", Addr: a, Reason: "complaint"}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestMailboxRoutingAndUnicodeForms (N1, N2): a suppressed mailbox is not
// reachable by another spelling a receiver would route or normalise to it.
// The percent hack ("victim%r.test@relay") and bang paths
// ("r.test!victim@relay") are refused at RCPT (and MAIL); a non-ASCII local
// part must be NFKC-normal with no format characters, so the NFD and
// full-width spellings of a suppressed jürgen are refused, not accepted
// past the suppression. Before the fix all of these got 250.
func TestMailboxRoutingAndUnicodeForms(t *testing.T) {
	t.Parallel()
	st := suppressedStore(t, "victim@r.test", "jürgen@r.test")
	ts := startServer(t, Config{Suppressions: st}, &Tenant{Name: "acme", Username: "acme",
		SenderDomains: []string{"sender.example"}})
	const routing, form = "501 5.1.3 Bad recipient address syntax: local part contains % or !",
		"501 5.1.3 Bad recipient address syntax: non-ASCII local part is not in Unicode normal form"
	for _, tc := range []struct{ rcpt, want string }{
		{"victim@r.test", "550 5.7.1"},
		{"victim%r.test@r.test", routing},
		{"victim%r.test@relay.test", routing},
		{"victim%r.test%relay.test@other.test", routing},
		{"r.test!victim@r.test", routing},
		{"relay.test!r.test!victim@other.test", routing},
		{"victim!@r.test", routing},
		{"jürgen@r.test", "550 5.7.1"},
		{"JÜRGEN@r.test", "550 5.7.1"},
		{"ju\u0308rgen@r.test", form},               // NFD
		{"ｊürgen@r.test", form},                     // full-width j
		{"jürgen\u200b@r.test", form},               // zero-width space
		{"j\u00adürgen@r.test", form},               // soft hyphen
		{"\u212Aate@r.test", form},                  // Kelvin sign (NFC maps it to K)
		{"ﬁ@r.test", form},                          // a ligature (NFKC: "fi")
		{"jürgen\u00a0@r.test", form},               // no-break space
		{"zoë@r.test", "250 "},                      // NFC and NFKC-normal: fine
		{"o'brien+list=x@r.test", "250 "},           // other atext still passes
		{"\u0436\u0435\u043d\u044f@r.test", "250 "}, // Cyrillic
	} {
		t.Run(tc.rcpt, func(t *testing.T) {
			c := dialRaw(t, ts.addr).login("acme")
			c.want(c.cmd("MAIL FROM:<a@sender.example> SMTPUTF8"), "250")
			if got := c.cmd("RCPT TO:<" + tc.rcpt + ">"); !strings.HasPrefix(got, tc.want) {
				t.Errorf("RCPT TO:<%s>: %q, want %s…", tc.rcpt, got, tc.want)
			}
		})
	}
	// Senders: the same rules, with the sender's reply.
	for _, from := range []string{"a%b.test@sender.example", "b.test!a@sender.example", "ju\u0308rgen@sender.example", "ｊ@sender.example"} {
		c := dialRaw(t, ts.addr).login("acme")
		if got := c.cmd("MAIL FROM:<" + from + "> SMTPUTF8"); !strings.HasPrefix(got, "553 5.1.7 Bad sender address syntax") {
			t.Errorf("MAIL FROM:<%s>: %q, want 553 5.1.7", from, got)
		}
	}
	// ValidAddress (data subject requests) keeps the syntax rule only: an
	// address accepted before these rules stays reachable.
	for _, a := range []string{"a%b@r.test", "b!a@r.test"} {
		if !ValidAddress(a) {
			t.Errorf("ValidAddress(%q) = false; stored addresses must stay reachable", a)
		}
	}
}

// TestDuplicateRecipientsCollapse (N3): one mailbox listed several times
// in one transaction, in different spellings, is one recipient: every RCPT
// is answered 250, and one copy is queued (one delivery, one VERP token,
// one return to count). A spelling of a refused (suppressed) recipient is
// refused again, not accepted silently. Before the fix five RCPTs made five
// recipients.
func TestDuplicateRecipientsCollapse(t *testing.T) {
	t.Parallel()
	st := suppressedStore(t, "gone@r.test")
	ts := startServer(t, Config{Suppressions: st}, &Tenant{Name: "acme", Username: "acme",
		SenderDomains: []string{"sender.example"}})
	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.cmd("MAIL FROM:<a@sender.example> SMTPUTF8"), "250")
	for _, r := range []string{"dup@r.test", "dup@r.test", "DUP@r.test", "dup@R.TEST", `"dup"@r.test`,
		"other@r.test", "jürgen@bücher.test", "JÜRGEN@xn--bcher-kva.test", "Other@R.test"} {
		c.want(c.cmd("RCPT TO:<"+r+">"), "250 ")
	}
	for _, r := range []string{"gone@r.test", "GONE@r.test"} {
		c.want(c.cmd("RCPT TO:<"+r+">"), "550 5.7.1")
	}
	c.want(c.cmd("DATA"), "354")
	c.write("From: a@sender.example\r\nSubject: dup\r\n\r\nbody\r\n.\r\n")
	c.want(c.reply(), "250 ")
	var got []string
	for _, m := range ts.spool.messages() {
		got = append(got, m.Rcpts...)
	}
	want := []string{"dup@r.test", "other@r.test", "jürgen@bücher.test"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("queued recipients %q, want %q (one per mailbox, first spelling)", got, want)
	}
	// The next transaction starts afresh: the same mailboxes are new.
	before := len(ts.spool.messages())
	c.want(c.cmd("MAIL FROM:<a@sender.example>"), "250")
	c.want(c.cmd("RCPT TO:<dup@r.test>"), "250 ")
	c.want(c.cmd("RCPT TO:<other@r.test>"), "250 ")
	c.want(c.cmd("DATA"), "354")
	c.write("From: a@sender.example\r\nSubject: again\r\n\r\nbody\r\n.\r\n")
	c.want(c.reply(), "250 ")
	n := 0
	for _, m := range ts.spool.messages()[before:] {
		n += len(m.Rcpts)
	}
	if n != 2 {
		t.Errorf("second transaction queued %d recipients, want 2", n)
	}
}

// Recipient domains that name an IP address or the local host in the
// form of a domain name (redteam2) are refused at RCPT like address
// literals: "v@127.0.0.1" and "v@2130706433" end in a numeric label, which
// no top-level domain is (RFC 3696 §2), and localhost and invalid names are
// the loopback's or nobody's (RFC 6761 §6.3, §6.4). Senders are not held
// to it (the development tenant sends from localhost), and names that
// merely contain digits or these words pass.
func TestRecipientDomainNamesNoLocalHost(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, &Tenant{Name: "acme", Username: "acme",
		SenderDomains: []string{"sender.example", "localhost"}})
	const numeric, local = "501 5.1.3 Bad recipient address syntax: domain ends in a numeric label",
		"501 5.1.3 Bad recipient address syntax: domain is reserved for the local host"
	for _, tc := range []struct{ rcpt, want string }{
		{"v@127.0.0.1", numeric},
		{"v@10.0.0.5", numeric},
		{"v@2130706433", numeric},
		{"v@0x7f.1", numeric},
		{"v@169.254.169.254", numeric},
		{"v@localhost", local},
		{"v@LocalHost", local},
		{"v@db.localhost", local},
		{"v@x.invalid", local},
		{"v@1.2.3.example", "250 "},
		{"v@localhost.example", "250 "},
		{"v@example.com1", "250 "},
		{"v@xn--p1ai", "250 "},
	} {
		c := dialRaw(t, ts.addr).login("acme")
		c.want(c.cmd("MAIL FROM:<a@sender.example>"), "250")
		if got := c.cmd("RCPT TO:<" + tc.rcpt + ">"); !strings.HasPrefix(got, tc.want) {
			t.Errorf("RCPT TO:<%s>: %q, want %s…", tc.rcpt, got, tc.want)
		}
	}
	c := dialRaw(t, ts.addr).login("acme")
	c.want(c.cmd("MAIL FROM:<dev@localhost>"), "250")
}
