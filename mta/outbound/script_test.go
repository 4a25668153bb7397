package outbound

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// peer is the server side of a scripted conversation, for reply shapes a
// real server will not produce. Its methods report mismatches with
// t.Errorf and end the script's goroutine.
type peer struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// startPeer runs script against one loopback connection and returns the
// client's end. The test's cleanup closes the client end and waits for the
// script to finish.
func startPeer(t *testing.T, script func(p *peer)) net.Conn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		l.Close()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second)) // a stuck test fails instead of hanging
		script(&peer{t: t, conn: conn, r: bufio.NewReader(conn)})
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return conn
}

// send writes lines, each ended by CRLF, in one write.
func (p *peer) send(lines ...string) {
	if _, err := io.WriteString(p.conn, strings.Join(lines, "\r\n")+"\r\n"); err != nil {
		p.t.Errorf("peer write: %v", err)
		runtime.Goexit()
	}
}

// line reads one line without its CRLF.
func (p *peer) line() string {
	s, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Errorf("peer read: %v (after %q)", err, s)
		runtime.Goexit()
	}
	return strings.TrimSuffix(s, "\r\n")
}

// expect reads one line and checks it is want.
func (p *peer) expect(want string) {
	if got := p.line(); got != want {
		p.t.Errorf("peer got %q, want %q", got, want)
		runtime.Goexit()
	}
}

// alone checks that nothing follows the line just read: the client waited
// for the reply before sending more. Without pipelining the client writes
// one command per write and waits; a pipelining client writes its group in
// one write, which loopback delivers in one piece, so the buffer shows it.
func (p *peer) alone(cmd string) {
	if n := p.r.Buffered(); n > 0 {
		p.t.Errorf("%d bytes arrived after %s, before its reply", n, cmd)
		runtime.Goexit()
	}
}

// greet sends the greeting and answers EHLO with extensions.
func (p *peer) greet(ext ...string) {
	p.send("220 peer.test ESMTP")
	p.expect("EHLO client.test")
	lines := []string{"250-peer.test"}
	for _, e := range ext {
		lines = append(lines, "250-"+e)
	}
	lines[len(lines)-1] = "250 " + lines[len(lines)-1][4:]
	p.send(lines...)
}

// data reads message data up to the final dot and returns it.
func (p *peer) data() string {
	var b strings.Builder
	for {
		l := p.line()
		if l == "." {
			return b.String()
		}
		b.WriteString(l + "\r\n")
	}
}

// drain reads until the client closes the connection.
func (p *peer) drain() { io.Copy(io.Discard, p.r) }

func handshake(t *testing.T, conn net.Conn, opts Options) *Client {
	t.Helper()
	opts.HelloName = "client.test"
	c, err := Handshake(testCtx(t), conn, "peer.test", opts)
	if err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	return c
}

var oneRcpt = Envelope{From: "a@sender.test", To: []string{"b@rcpt.test"}}

func TestGreetingRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		greeting  string
		code      int
		enhanced  string
		permanent bool
	}{
		{"421 4.3.2 peer.test busy, try later", 421, "4.3.2", false},
		{"554 5.7.1 no SMTP service for you", 554, "5.7.1", true},
		{"554-no service\r\n554 really", 554, "", true},
	} {
		t.Run(tc.greeting, func(t *testing.T) {
			t.Parallel()
			conn := startPeer(t, func(p *peer) {
				p.send(tc.greeting)
				if tc.code == 554 {
					p.expect("QUIT") // RFC 5321 §3.1
				}
				p.drain() // 421: the server closes, and so does the client
			})
			_, err := Handshake(testCtx(t), conn, "peer.test", Options{HelloName: "client.test"})
			e := asError(t, err)
			if e.Command != "greeting" || e.Code != tc.code || e.Enhanced != tc.enhanced || IsPermanent(err) != tc.permanent {
				t.Errorf("Handshake: %+v, want greeting %d %s permanent=%v", e, tc.code, tc.enhanced, tc.permanent)
			}
		})
	}
}

func TestDropMidData(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.greet("PIPELINING")
		p.expect("MAIL FROM:<a@sender.test>")
		p.expect("RCPT TO:<b@rcpt.test>")
		p.expect("DATA")
		p.send("250 ok", "250 ok", "354 go on")
		p.line()
		p.conn.Close()
	})
	c := handshake(t, conn, Options{})
	res, err := c.Send(testCtx(t), oneRcpt, []byte(testMsg))
	e := asError(t, err)
	if e.Command != "DATA" || IsPermanent(err) || e.Err == nil {
		t.Errorf("Send: %+v, want a temporary DATA network error", e)
	}
	if res.Rcpts[0].Err != err {
		t.Errorf("recipient: %v, want the connection error", res.Rcpts[0].Err)
	}
	if c.Usable() {
		t.Fatal("Client usable after the connection dropped")
	}
	if _, err := c.Send(testCtx(t), oneRcpt, []byte(testMsg)); !errors.Is(err, ErrUnusable) {
		t.Errorf("Send on a dead Client: %v, want ErrUnusable", err)
	}
}

func TestLockstepWithoutPipelining(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.greet("8BITMIME", "ENHANCEDSTATUSCODES")
		step := func(want, reply string) {
			p.expect(want)
			p.alone(want)
			p.send(reply)
		}
		// A recipient refused, the others delivered.
		step("MAIL FROM:<a@sender.test>", "250 2.1.0 ok")
		step("RCPT TO:<x@rcpt.test>", "250 2.1.5 ok")
		step("RCPT TO:<bad@rcpt.test>", "550 5.1.1 no such user")
		step("RCPT TO:<y@rcpt.test>", "251 2.1.5 will forward")
		step("DATA", "354 go on")
		if got := p.data(); got != testMsg {
			p.t.Errorf("data %q, want %q", got, testMsg)
		}
		p.alone("the final dot")
		p.send("250 2.0.0 queued as 42")
		// Every recipient refused: no DATA, and RSET opens the next one.
		step("MAIL FROM:<a@sender.test>", "250 2.1.0 ok")
		step("RCPT TO:<bad@rcpt.test>", "550 5.1.1 no such user")
		step("RSET", "250 2.0.0 ok")
		// MAIL refused: no RCPT.
		step("MAIL FROM:<a@sender.test>", "550 5.7.1 go away")
		step("QUIT", "221 bye")
	})
	c := handshake(t, conn, Options{})
	if _, ok := c.Extension("PIPELINING"); ok {
		t.Fatal("PIPELINING seen")
	}
	env := Envelope{From: "a@sender.test", To: []string{"x@rcpt.test", "bad@rcpt.test", "y@rcpt.test"}}
	res, err := c.Send(testCtx(t), env, []byte(testMsg))
	if err != nil || res.Rcpts[0].Err != nil || res.Rcpts[2].Err != nil || asError(t, res.Rcpts[1].Err).Code != 550 {
		t.Fatalf("Send: %v, %+v", err, res)
	}
	if res.Reply != "250 2.0.0 queued as 42" {
		t.Errorf("Reply = %q", res.Reply)
	}
	res, err = c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"bad@rcpt.test"}}, []byte(testMsg))
	if err != nil || asError(t, res.Rcpts[0].Err).Enhanced != "5.1.1" {
		t.Fatalf("Send, all refused: %v, %+v", err, res)
	}
	res, err = c.Send(testCtx(t), env, []byte(testMsg))
	if e := asError(t, err); e.Command != "MAIL" || !e.Permanent {
		t.Fatalf("Send, MAIL refused: %+v", e)
	}
	for _, r := range res.Rcpts {
		if r.Err != err {
			t.Errorf("%s: %v, want the MAIL error", r.To, r.Err)
		}
	}
	if err := c.Quit(testCtx(t)); err != nil {
		t.Errorf("Quit: %v", err)
	}
}

func TestHELOFallback(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.send("220 old.test SMTP")
		p.expect("EHLO client.test")
		p.send("502 5.5.2 what?")
		p.expect("HELO client.test")
		p.send("250 old.test")
		p.expect("MAIL FROM:<a@sender.test>")
		p.alone("MAIL")
		p.send("250 ok")
		p.expect("RCPT TO:<b@rcpt.test>")
		p.send("250 ok")
		p.expect("DATA")
		p.send("354 go on")
		p.data()
		p.send("250 ok")
	})
	c := handshake(t, conn, Options{})
	if _, ok := c.Extension("SIZE"); ok {
		t.Error("extensions after HELO")
	}
	res, err := c.Send(testCtx(t), oneRcpt, []byte(testMsg))
	wantDelivered(t, res, err)
}

func TestMultilineReplies(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.send("220-peer.test ESMTP", "220-no UCE", "220 welcome")
		p.expect("EHLO client.test")
		p.send("250-peer.test hello", "250-size 1000", "250-pipelining", "250 8BITMIME")
		p.expect("MAIL FROM:<a@sender.test> SIZE=61")
		p.expect("RCPT TO:<x@rcpt.test>")
		p.expect("RCPT TO:<y@rcpt.test>")
		p.expect("DATA")
		p.send("250 ok", "550-5.1.1 The email account that you tried to reach", "550-5.1.1 does not exist.", "550 5.1.1 See https://example.test", "250 ok", "354 go on")
		p.data()
		p.send("250-2.0.0 accepted", "250 2.0.0 queued as 42")
	})
	c := handshake(t, conn, Options{})
	if p, ok := c.Extension("Size"); !ok || p != "1000" {
		t.Errorf("Extension(Size) = %q, %v", p, ok)
	}
	res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"x@rcpt.test", "y@rcpt.test"}}, []byte(testMsg))
	if err != nil || res.Rcpts[1].Err != nil {
		t.Fatalf("Send: %v, %+v", err, res)
	}
	e := asError(t, res.Rcpts[0].Err)
	want := "5.1.1 The email account that you tried to reach 5.1.1 does not exist. 5.1.1 See https://example.test"
	if e.Code != 550 || e.Enhanced != "5.1.1" || e.Line != want {
		t.Errorf("RCPT error %+v, want Line %q", e, want)
	}
	if res.Reply != "250 2.0.0 accepted 2.0.0 queued as 42" {
		t.Errorf("Reply = %q", res.Reply)
	}
}

func TestPipelinedRecipientsAllRefused(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.greet("PIPELINING")
		group := func(lines ...string) {
			for i, l := range lines {
				p.expect(l)
				if i < len(lines)-1 && p.r.Buffered() == 0 {
					p.t.Errorf("%s arrived alone: not pipelined", l)
				}
			}
			p.alone("DATA")
		}
		// A server that answers 354 anyway gets a lone dot.
		group("MAIL FROM:<a@sender.test>", "RCPT TO:<bad@rcpt.test>", "DATA")
		p.send("250 ok", "550 5.1.1 no such user", "354 go on anyway")
		p.expect(".")
		p.send("554 5.5.1 no valid recipients")
		// A server that refuses DATA keeps the transaction: RSET next.
		group("MAIL FROM:<a@sender.test>", "RCPT TO:<bad@rcpt.test>", "DATA")
		p.send("250 ok", "550 5.1.1 no such user", "503 5.5.1 no valid recipients")
		group("RSET", "MAIL FROM:<a@sender.test>", "RCPT TO:<b@rcpt.test>", "DATA")
		p.send("250 ok", "250 ok", "250 ok", "354 go on")
		if got := p.data(); got != testMsg {
			p.t.Errorf("data %q", got)
		}
		p.send("250 ok")
	})
	c := handshake(t, conn, Options{})
	for i := range 2 {
		res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"bad@rcpt.test"}}, []byte(testMsg))
		if e := asError(t, res.Rcpts[0].Err); err != nil || e.Command != "RCPT" || e.Code != 550 {
			t.Fatalf("Send %d: %v, recipient %+v", i, err, e)
		}
		if !c.Usable() {
			t.Fatalf("Send %d left the Client unusable", i)
		}
	}
	res, err := c.Send(testCtx(t), oneRcpt, []byte(testMsg))
	wantDelivered(t, res, err)
}

func TestReply421(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.greet("PIPELINING")
		p.expect("MAIL FROM:<a@sender.test>")
		p.expect("RCPT TO:<x@rcpt.test>")
		p.expect("RCPT TO:<y@rcpt.test>")
		p.expect("DATA")
		p.send("250 ok", "421 4.7.0 too many messages, closing")
		p.conn.Close()
	})
	c := handshake(t, conn, Options{})
	res, err := c.Send(testCtx(t), Envelope{From: "a@sender.test", To: []string{"x@rcpt.test", "y@rcpt.test"}}, []byte(testMsg))
	if e := asError(t, err); e.Code != 421 || e.Command != "RCPT" || IsPermanent(err) {
		t.Errorf("Send: %+v, want a temporary RCPT 421", e)
	}
	for _, r := range res.Rcpts {
		if r.Err != err {
			t.Errorf("%s: %v, want the 421", r.To, r.Err)
		}
	}
	if c.Usable() {
		t.Error("Client usable after 421")
	}
}

func TestStall(t *testing.T) {
	t.Parallel()
	const short = 20 * time.Millisecond
	for _, tc := range []struct {
		name       string
		script     func(p *peer, cancel context.CancelFunc)
		deadline   time.Duration // of the ctx, 0 for none
		inGreeting bool          // the stall hits Handshake, not Send
		opts       Options
		is         error
	}{
		{"ctx deadline in greeting", func(p *peer, _ context.CancelFunc) {
			p.drain()
		}, short, true, Options{}, context.DeadlineExceeded},
		{"ctx deadline in MAIL", func(p *peer, _ context.CancelFunc) {
			p.greet("PIPELINING")
			p.drain()
		}, short, false, Options{}, context.DeadlineExceeded},
		{"command timeout", func(p *peer, _ context.CancelFunc) {
			p.greet()
			p.drain()
		}, 0, false, Options{CommandTimeout: short}, os.ErrDeadlineExceeded},
		{"cancel in DATA", func(p *peer, cancel context.CancelFunc) {
			p.greet("PIPELINING")
			p.expect("MAIL FROM:<a@sender.test>")
			p.expect("RCPT TO:<b@rcpt.test>")
			p.expect("DATA")
			p.send("250 ok", "250 ok", "354 go on")
			p.data()
			cancel() // while the client waits for the final reply
			p.drain()
		}, 0, false, Options{}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn := startPeer(t, func(p *peer) { tc.script(p, cancel) })
			// The deadline starts when the stalling step does.
			withDeadline := func() context.Context {
				if tc.deadline == 0 {
					return base
				}
				ctx, cancel := context.WithTimeout(base, tc.deadline)
				t.Cleanup(cancel)
				return ctx
			}
			hctx := testCtx(t)
			if tc.inGreeting {
				hctx = withDeadline()
			}
			tc.opts.HelloName = "client.test"
			c, err := Handshake(hctx, conn, "peer.test", tc.opts)
			if err == nil {
				defer c.Close()
				if tc.inGreeting {
					t.Fatal("Handshake succeeded")
				}
				_, err = c.Send(withDeadline(), oneRcpt, []byte(testMsg))
				if c.Usable() {
					t.Error("Client usable after a stall")
				}
			}
			if !errors.Is(err, tc.is) || IsPermanent(err) {
				t.Errorf("got %v, want a temporary error wrapping %v", err, tc.is)
			}
			asError(t, err)
		})
	}
}

func TestSTARTTLSScripted(t *testing.T) {
	t.Parallel()
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		conn := startPeer(t, func(p *peer) {
			p.greet("STARTTLS", "PIPELINING")
			p.expect("STARTTLS")
			p.send("454 4.7.0 TLS not available")
			p.expect("MAIL FROM:<a@sender.test>")
			p.expect("RCPT TO:<b@rcpt.test>")
			p.expect("DATA")
			p.send("250 ok", "250 ok", "354 go on")
			p.data()
			p.send("250 ok")
		})
		c := handshake(t, conn, Options{})
		defer c.Close()
		if used, _ := c.TLS(); used {
			t.Fatal("TLS used after 454")
		}
		// A done ctx stops Send before it writes anything.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Send(ctx, oneRcpt, nil); !errors.Is(err, context.Canceled) || !c.Usable() {
			t.Errorf("Send with a done ctx: %v, usable %v", err, c.Usable())
		}
		// The session goes on in plaintext, pipelined.
		res, err := c.Send(testCtx(t), oneRcpt, []byte(testMsg))
		wantDelivered(t, res, err)
	})
	t.Run("injection", func(t *testing.T) {
		t.Parallel()
		conn := startPeer(t, func(p *peer) {
			p.greet("STARTTLS")
			p.expect("STARTTLS")
			p.send("220 go ahead", "250-injected")
			p.drain()
		})
		_, err := Handshake(testCtx(t), conn, "peer.test", Options{HelloName: "client.test"})
		if e := asError(t, err); !errors.Is(err, ErrProtocol) || e.Command != "STARTTLS" {
			t.Errorf("Handshake: %v, want a STARTTLS protocol error", err)
		}
	})
}

func TestGarbageReply(t *testing.T) {
	t.Parallel()
	conn := startPeer(t, func(p *peer) {
		p.send("HTTP/1.1 400 Bad Request")
		p.drain()
	})
	_, err := Handshake(testCtx(t), conn, "peer.test", Options{HelloName: "client.test"})
	if !errors.Is(err, ErrProtocol) || IsPermanent(err) || asError(t, err).Command != "greeting" {
		t.Errorf("Handshake: %v, want a temporary greeting protocol error", err)
	}
}

// A pooled connection the server closed after its last message fails the
// next Send before any reply, or with 421 as the first: Unanswered tells
// the caller nothing was accepted. A server that answers first, even to
// refuse, does not count.
func TestUnanswered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		reply []string // the server's answer to the second MAIL/RCPT/DATA; nil closes
		want  bool
	}{
		{"closed", nil, true},
		{"421 to MAIL", []string{"421 4.7.0 closing"}, true},
		{"451 to MAIL", []string{"451 4.3.0 try later", "503 no", "503 no"}, false},
		{"421 to RCPT", []string{"250 ok", "421 4.7.0 closing"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := startPeer(t, func(p *peer) {
				p.greet("PIPELINING")
				p.expect("MAIL FROM:<a@sender.test>")
				p.expect("RCPT TO:<b@rcpt.test>")
				p.expect("DATA")
				p.send("250 ok", "250 ok", "354 go")
				p.data()
				p.send("250 queued")
				if tc.reply == nil {
					p.conn.(*net.TCPConn).CloseRead()
					p.conn.Close()
					return
				}
				p.expect("MAIL FROM:<a@sender.test>")
				p.expect("RCPT TO:<b@rcpt.test>")
				p.expect("DATA")
				p.send(tc.reply...)
				p.drain()
			})
			c := handshake(t, conn, Options{})
			res, err := c.Send(testCtx(t), oneRcpt, []byte(testMsg))
			if err != nil || res.Unanswered {
				t.Fatalf("first Send: %v, Unanswered %v", err, res.Unanswered)
			}
			if tc.reply == nil {
				time.Sleep(50 * time.Millisecond) // let the close arrive
			}
			res, err = c.Send(testCtx(t), oneRcpt, []byte(testMsg))
			if err == nil {
				t.Fatal("second Send succeeded")
			}
			if res.Unanswered != tc.want {
				t.Fatalf("second Send: %v, Unanswered %v, want %v", err, res.Unanswered, tc.want)
			}
		})
	}
}

// TestQuitWaitsForServerClose: Quit returns only once the server has
// closed its end after the 221 (a receiver counts the session until
// then), and a server that never closes holds it for quitCloseWait only.
func TestQuitWaitsForServerClose(t *testing.T) {
	t.Parallel()
	var closed atomic.Bool
	conn := startPeer(t, func(p *peer) {
		p.greet("PIPELINING")
		p.expect("QUIT")
		p.send("221 2.0.0 bye")
		time.Sleep(100 * time.Millisecond) // the server's Logout, still counting the session
		closed.Store(true)
		p.conn.Close()
	})
	c := handshake(t, conn, Options{})
	if err := c.Quit(testCtx(t)); err != nil {
		t.Fatalf("Quit: %v", err)
	}
	if !closed.Load() {
		t.Fatal("Quit returned before the server closed the connection")
	}

	conn = startPeer(t, func(p *peer) {
		p.greet("PIPELINING")
		p.expect("QUIT")
		p.send("221 2.0.0 bye")
		p.drain() // never closes first
	})
	c = handshake(t, conn, Options{})
	start := time.Now()
	if err := c.Quit(testCtx(t)); err != nil {
		t.Fatalf("Quit, server never closes: %v", err)
	}
	if took := time.Since(start); took > quitCloseWait+5*time.Second {
		t.Errorf("Quit took %v against a server that never closes, want about %v", took, quitCloseWait)
	}
}

// A receiver that drips its reply a byte at a time, each just inside the
// command timeout, cannot hold the session open: the whole reply must
// arrive within the timeout from when the client began waiting. (When the
// timeout was re-armed at each read, this greeting took as long as the
// server liked: 40 bytes at 150 ms each.)
func TestDrippedReplyTimesOut(t *testing.T) {
	t.Parallel()
	expectDripTimeout(t, Options{HelloName: "client.test", GreetingTimeout: 500 * time.Millisecond}, nil,
		[]byte("220-peer.test dripping a very long greeting\r\n220 ok\r\n"))
}

// The same for a TLS handshake after STARTTLS: dripped a byte at a time,
// it cannot hold the session past the step's timeout.
func TestDrippedTLSHandshakeTimesOut(t *testing.T) {
	t.Parallel()
	expectDripTimeout(t, Options{HelloName: "client.test", CommandTimeout: 500 * time.Millisecond}, func(p *peer) {
		p.greet("STARTTLS")
		p.expect("STARTTLS")
		p.send("220 go ahead")
	}, append([]byte{0x16, 0x03, 0x03, 0x40, 0x00}, make([]byte, 60)...)) // a TLS record header announcing 16 KB, then its bytes
}

// expectDripTimeout runs a peer that plays before (if any), then writes
// drip a byte every 150 ms, and checks that Handshake gives up with a
// timeout well before the drip ends.
func expectDripTimeout(t *testing.T, opts Options, before func(p *peer), drip []byte) {
	t.Helper()
	stop := make(chan struct{})
	conn := startPeer(t, func(p *peer) {
		if before != nil {
			before(p)
		}
		for _, b := range drip {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
			}
			if _, err := p.conn.Write([]byte{b}); err != nil {
				return
			}
		}
	})
	defer close(stop)
	done := make(chan error, 1)
	go func() {
		_, err := Handshake(context.Background(), conn, "peer.test", opts)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("handshake with a dripping peer: %v, want a timeout", err)
		}
	case <-time.After(6 * time.Second): // the drips take 8 s and more
		t.Fatal("the dripping peer held the handshake past the step's timeout")
	}
}
