package outbound

import (
	"errors"
	"testing"
)

// The redteam's F3: go-smtp hands a server the unquoted local part, so an
// address from submission (or any spool entry, the admin API, a TLS
// report) may hold what only a Quoted-string can carry. What goes on the
// wire must be one path the receiver reads as we meant it: re-quoted, or
// refused; never a second path or extra parameters.
func TestWireAddress(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		sender bool
		want   string // "" with ok false: refused
		ok     bool
	}{
		{"a@b.test", true, "a@b.test", true},
		{"first.last+tag@b.test", false, "first.last+tag@b.test", true},
		{"", true, "", true},
		{"", false, "", false},
		{"Postmaster", false, "Postmaster", true},
		{"postmaster", true, "", false},
		{"spoof@b.test> BODY=8BITMIME@c.test", true, `"spoof@b.test> BODY=8BITMIME"@c.test`, true},
		{"v@victim.test@r.test", false, `"v@victim.test"@r.test`, true},
		{"a b@r.test", false, `"a b"@r.test`, true},
		{`a"b\c@r.test`, false, `"a\"b\\c"@r.test`, true},
		{"a..b@docomo.test", false, `"a..b"@docomo.test`, true},
		{"a.@docomo.test", false, `"a."@docomo.test`, true},
		{".a@r.test", false, `".a"@r.test`, true},
		{"üser@bücher.test", false, "üser@bücher.test", true},
		{"x@[192.0.2.1]", false, "x@[192.0.2.1]", true},
		{"x@[IPv6:2001:db8::1]", false, "x@[IPv6:2001:db8::1]", true},
		{"x@r.test.", false, "x@r.test.", true},
		// Nothing that could end the path or the line in the domain.
		{"x@r.test> NOTIFY=NEVER", false, "", false},
		{"x@r.test>", false, "", false},
		{"x@r test", false, "", false},
		{"x@<r.test", false, "", false},
		{`x@r"test`, false, "", false},
		{"x@[1.2.3.4> X]", false, "", false},
		{"x@[1.2.3.4]>", false, "", false},
		{"x@r.test\r\nRSET", false, "", false},
		{"x\r\nDATA@r.test", false, "", false},
		{"x\x00@r.test", false, "", false},
		{"x\u0085@r.test", false, "", false},
		{"x\xff@r.test", false, "", false},
		{"@r.test", false, "", false},
		{"x@", false, "", false},
		{"nobody", false, "", false},
	} {
		got, ok := wireAddress(tc.addr, tc.sender)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("wireAddress(%q, %v) = %q, %v; want %q, %v", tc.addr, tc.sender, got, ok, tc.want, tc.ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { wireAddress("first.last@b.test", false) }); n != 0 {
		t.Errorf("a dot-atom address allocates %v times", n)
	}
}

// On the wire, over a real connection: the envelope from an old spool
// entry goes out re-quoted, and the receiver's own parser (go-smtp, which
// unquotes) reads back exactly the mailbox that was queued; an address
// that cannot be written is refused locally, the others still delivered.
func TestSendRequotes(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.greet("PIPELINING", "8BITMIME")
		p.expect(`MAIL FROM:<"spoof@b.test> BODY=8BITMIME"@c.test>`)
		p.expect(`RCPT TO:<"v@victim.test"@r.test>`)
		p.expect(`RCPT TO:<"a..b"@docomo.test>`)
		p.expect("DATA")
		p.send("250 ok", "250 ok", "250 ok", "354 go on")
		p.data()
		p.send("250 queued")
		p.drain()
	})
	c := handshake(t, conn, Options{})
	env := Envelope{From: "spoof@b.test> BODY=8BITMIME@c.test",
		To: []string{"v@victim.test@r.test", "x@r.test> NOTIFY=NEVER", "a..b@docomo.test"}}
	res, err := c.Send(testCtx(t), env, []byte(testMsg))
	if err != nil || res.Rcpts[0].Err != nil || res.Rcpts[2].Err != nil {
		t.Fatalf("Send: %v, %+v", err, res.Rcpts)
	}
	if e := asError(t, res.Rcpts[1].Err); !errors.Is(e, ErrBadAddress) || e.Enhanced != "5.1.3" || !e.Permanent {
		t.Errorf("unwritable recipient: %+v", e)
	}
}

func TestSendRequotedRoundTrip(t *testing.T) {
	t.Parallel()
	s := startSink(t, sinkConfig{})
	c := connect(t, s.addr, Options{})
	env := Envelope{From: "spoof@b.test> BODY=8BITMIME@c.test", To: []string{"v@victim.test@r.test", `a"b\c@r.test`}}
	res, err := c.Send(testCtx(t), env, []byte(testMsg))
	wantDelivered(t, res, err)
	m := s.messages()
	if len(m) != 1 || m[0].from != env.From || len(m[0].to) != 2 || m[0].to[0] != env.To[0] || m[0].to[1] != env.To[1] {
		t.Fatalf("sink read %+v, want the envelope as queued", m)
	}
	if m[0].opts.Body != "" {
		t.Errorf("sink read BODY=%q: a parameter came from the address", m[0].opts.Body)
	}
}
