package outbound

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Default timeouts. RFC 5321 §4.5.3.2 asks for minutes (5 for the greeting
// and for MAIL and RCPT, 3 per data block, 10 for the reply to the final
// dot): it was written for links where a slow server is still worth
// waiting for. A bulk MTA holding thousands of connections does better to
// give up on a stalled server and retry later, except at the end of the
// data, where giving up early risks a duplicate if the server did accept.
const (
	// DefaultGreetingTimeout bounds the wait for the 220 greeting. Long
	// enough for servers that delay their greeting on purpose (a common
	// anti-spam tarpit of 20 to 30 seconds).
	DefaultGreetingTimeout = 60 * time.Second
	// DefaultCommandTimeout bounds the wait for any other command reply
	// (EHLO, STARTTLS and its TLS handshake, RSET, MAIL, RCPT, DATA, QUIT),
	// and so covers servers that look recipients up synchronously.
	DefaultCommandTimeout = 60 * time.Second
	// DefaultDataTimeout bounds each write of message data and the wait for
	// the reply to the final dot: RFC 5321 §4.5.3.2.5's 3 minutes.
	DefaultDataTimeout = 3 * time.Minute
)

// Options configures a Client. The zero value is not valid: HelloName is
// required.
type Options struct {
	// HelloName is the name this host gives in EHLO and HELO: the fully
	// qualified domain name of the sending IP's PTR record (RFC 5321
	// §4.1.1.1). Required: receivers score mismatches as spam.
	HelloName string
	// TLSConfig is the configuration for STARTTLS. Nil means opportunistic
	// TLS (RFC 7435): encrypt when offered, accept any certificate, and
	// report the session as unverified (see [Client.TLSVerified]). A
	// non-nil config is cloned, and its ServerName set to the host when
	// empty; certificate failures then fail the handshake.
	TLSConfig *tls.Config
	// DisableTLS skips STARTTLS even when offered: for a retry after a TLS
	// handshake failure, or for sites configured as plaintext-only.
	DisableTLS bool
	// TLSPolicy, when set, is the delivery's TLS policy (mta/tlspolicy):
	// it replaces TLSConfig, and when it enforces, a session without TLS or
	// with a rejected certificate fails with a temporary error instead of
	// going on in clear, even with DisableTLS (see tlspolicy.go).
	TLSPolicy *TLSPolicy
	// GreetingTimeout bounds the wait for the greeting. Default
	// [DefaultGreetingTimeout] (60 s).
	GreetingTimeout time.Duration
	// CommandTimeout bounds each wait for a command reply. Default
	// [DefaultCommandTimeout] (60 s).
	CommandTimeout time.Duration
	// DataTimeout bounds each write of message data and the wait for the
	// final reply. Default [DefaultDataTimeout] (3 min).
	DataTimeout time.Duration
}

// closeTimeout bounds the TLS close_notify write of Close, as crypto/tls
// itself does.
const closeTimeout = 5 * time.Second

// writeBufferSize is the size of the command and data write buffer: large
// enough that a pipelined group is one write and a message goes out in few
// system calls.
const writeBufferSize = 32 << 10

// Client is one SMTP connection to one server, reused across messages.
//
// A Client is not safe for concurrent use: one goroutine at a time calls
// its methods, as one SMTP session is a strict sequence of commands. Only
// cancellation of the ctx passed to the running call acts from elsewhere
// (it closes the connection).
type Client struct {
	raw      net.Conn      // the connection handed to Handshake
	closeRaw func()        // closes raw, for context.AfterFunc
	conn     net.Conn      // what r and w use: raw with deadlines, or TLS over it
	r        *bufio.Reader // reply reader
	w        *bufio.Writer // command and data writer
	host     string        // the server's name, for SNI
	opts     Options       // with defaults filled in
	ext      map[string]string

	pipelining bool  // RFC 2920 PIPELINING advertised
	hasSize    bool  // RFC 1870 SIZE advertised
	maxSize    int64 // its limit, 0 when none
	eightBit   bool  // RFC 6152 8BITMIME advertised
	smtpUTF8   bool  // RFC 6531 SMTPUTF8 advertised

	tlsUsed  bool
	tlsState tls.ConnectionState

	// policyErr is a failure of a non-enforcing TLSPolicy, for reports.
	policyErr error
	// policyVerified is set when a TLSPolicy's Verify accepted the chain.
	policyVerified bool

	// err is the failure that made the connection unusable, nil while it is
	// usable. Only the goroutine calling the Client's methods writes it.
	err error
	// dirty is true when the server may hold the state of an unfinished
	// transaction (MAIL accepted, no end of data yet), so the next Send
	// starts with RSET.
	dirty bool

	// Per-call deadline state, read by deadlineConn before each I/O call.
	timeout  time.Duration // idle limit of the current step
	deadline time.Time     // the running call's ctx deadline, zero if none
	replyBy  time.Time     // while a reply is read: when it must be complete

	rep     reply    // the last reply read; reused
	replies uint64   // replies read so far, for Result.Unanswered
	steps   []step   // Send's command list scratch
	acc     []bool   // Send's accepted-recipient scratch
	wireTo  []string // Send's recipients as written (wireAddress) scratch
	num     [20]byte // integer formatting scratch
}

// Handshake starts an SMTP session on conn, a connection to host (the MX
// name, used for TLS SNI). It reads the greeting (RFC 5321 §4.3.1), sends
// EHLO (falling back to HELO on 500 or 502, §3.2), upgrades with STARTTLS
// when offered unless opts.DisableTLS (RFC 3207 §4), and records the
// server's extensions.
//
// On success the Client owns conn. On failure conn is closed and the error
// is an [*Error]: Command "greeting" for a non-220 greeting, "EHLO"/"HELO"
// or "STARTTLS" for failures there. A failed TLS handshake leaves nothing to
// continue on; the caller may redial with DisableTLS. A STARTTLS command
// refused with a reply is not an error: the session continues in
// plaintext, and [Client.TLS] says so, for the caller's TLS policy to judge.
func Handshake(ctx context.Context, conn net.Conn, host string, opts Options) (*Client, error) {
	if err := checkHelloName(opts.HelloName); err != nil {
		conn.Close()
		return nil, err
	}
	if opts.GreetingTimeout <= 0 {
		opts.GreetingTimeout = DefaultGreetingTimeout
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	if opts.DataTimeout <= 0 {
		opts.DataTimeout = DefaultDataTimeout
	}
	c := &Client{raw: conn, host: host, opts: opts}
	c.closeRaw = func() { c.raw.Close() }
	c.conn = &deadlineConn{Conn: conn, c: c}
	c.r = bufio.NewReaderSize(c.conn, readBufferSize)
	c.w = bufio.NewWriterSize(c.conn, writeBufferSize)
	if err := c.handshake(ctx); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) handshake(ctx context.Context) (err error) {
	if err := ctx.Err(); err != nil {
		return netError("greeting", err)
	}
	stop := c.begin(ctx)
	defer c.end(ctx, stop, &err)

	c.timeout = c.opts.GreetingTimeout
	rep, err := c.read(ctx, "greeting")
	if err != nil {
		return err
	}
	if rep.code != 220 {
		e := ReplyError("greeting", rep.code, rep.String())
		c.quitQuietly() // RFC 5321 §3.1: on a 554 greeting the client sends QUIT.
		return e
	}
	c.timeout = c.opts.CommandTimeout
	if err := c.hello(ctx); err != nil {
		return err
	}
	if c.opts.DisableTLS {
		return c.requireTLS("STARTTLS disabled for")
	}
	if _, ok := c.ext["STARTTLS"]; !ok {
		return c.requireTLS("STARTTLS not offered by")
	}
	return c.startTLS(ctx)
}

// hello sends EHLO, or HELO when the server does not know EHLO, and records
// the extensions of the reply (RFC 5321 §4.1.1.1: the first line is the
// server's name, each further line one keyword and its parameters).
func (c *Client) hello(ctx context.Context) error {
	c.ext = make(map[string]string)
	c.pipelining, c.hasSize, c.maxSize, c.eightBit, c.smtpUTF8 = false, false, 0, false, false

	c.w.WriteString("EHLO ")
	c.w.WriteString(c.opts.HelloName)
	c.w.WriteString("\r\n")
	rep, err := c.roundTrip(ctx, "EHLO")
	if err != nil {
		return err
	}
	// RFC 5321 §3.2: a server that does not know EHLO answers 500 or 502
	// (it must, §4.1.4), and the client falls back to HELO.
	if rep.code == 500 || rep.code == 502 {
		c.w.WriteString("HELO ")
		c.w.WriteString(c.opts.HelloName)
		c.w.WriteString("\r\n")
		rep, err := c.roundTrip(ctx, "HELO")
		if err != nil {
			return err
		}
		if rep.code != 250 {
			c.quitQuietly()
			return ReplyError("HELO", rep.code, rep.String())
		}
		return nil
	}
	if rep.code != 250 {
		c.quitQuietly()
		return ReplyError("EHLO", rep.code, rep.String())
	}
	for i := 1; i < rep.lines(); i++ {
		keyword, param, _ := strings.Cut(strings.TrimSpace(string(rep.line(i))), " ")
		if keyword == "" {
			continue
		}
		keyword = strings.ToUpper(keyword)
		c.ext[keyword] = strings.TrimSpace(param)
		switch keyword {
		case "PIPELINING":
			c.pipelining = true
		case "SIZE":
			// RFC 1870: "SIZE" or "SIZE 0" means no fixed limit.
			c.hasSize = true
			if n, err := strconv.ParseInt(strings.TrimSpace(param), 10, 64); err == nil && n > 0 {
				c.maxSize = n
			}
		case "8BITMIME":
			c.eightBit = true
		case "SMTPUTF8":
			c.smtpUTF8 = true
		}
	}
	return nil
}

// startTLS upgrades the connection (RFC 3207 §4) and repeats EHLO, as the
// server's extensions may differ under TLS and §4.2 requires the client to
// forget what it learned before.
func (c *Client) startTLS(ctx context.Context) error {
	c.w.WriteString("STARTTLS\r\n")
	rep, err := c.roundTrip(ctx, "STARTTLS")
	if err != nil {
		return err
	}
	if rep.code != 220 {
		// RFC 3207 §4: after 454 the client may go on without TLS; whether
		// that is acceptable is the caller's TLS policy.
		return c.requireTLS("STARTTLS refused (" + strconv.Itoa(rep.code) + ") by")
	}
	// Anything already buffered was sent before TLS and would be read as if
	// it came over it: a response injection (CVE-2011-0411's client side).
	if c.r.Buffered() > 0 {
		return c.fail(netError("STARTTLS", fmt.Errorf("%w: %d bytes of plaintext after 220 to STARTTLS", ErrProtocol, c.r.Buffered())))
	}
	tc := tls.Client(c.conn, c.tlsConfig())
	// The whole handshake within the step's timeout, like a reply: a
	// receiver dripping it a byte at a time must not hold the session.
	c.replyBy = time.Now().Add(c.timeout)
	if !c.deadline.IsZero() && c.deadline.Before(c.replyBy) {
		c.replyBy = c.deadline
	}
	err = tc.HandshakeContext(ctx)
	c.replyBy = time.Time{}
	if err != nil {
		return c.fail(c.ioError(ctx, "STARTTLS", fmt.Errorf("tls handshake with %s: %w", c.host, err)))
	}
	c.conn = tc
	c.r.Reset(tc)
	c.w.Reset(tc)
	c.tlsUsed = true
	c.tlsState = tc.ConnectionState()
	c.policyVerified = c.opts.TLSPolicy != nil && c.opts.TLSPolicy.Verify != nil && c.policyErr == nil
	return c.hello(ctx)
}

// tlsConfig returns the STARTTLS configuration: the caller's, or the
// opportunistic one of RFC 7435, which takes any certificate because an
// unauthenticated encrypted session still beats plaintext. For the same
// reason it accepts TLS 1.0 and 1.1, which Go's client refuses by default
// but many MX hosts still run; a caller wanting more sets TLSConfig.
func (c *Client) tlsConfig() *tls.Config {
	name := strings.TrimSuffix(c.host, ".")
	if c.opts.TLSPolicy != nil {
		return c.policyTLSConfig(name)
	}
	if c.opts.TLSConfig == nil {
		return &tls.Config{
			ServerName:         name,
			InsecureSkipVerify: true, // RFC 7435: opportunistic, reported as unverified.
			MinVersion:         tls.VersionTLS10,
		}
	}
	cfg := c.opts.TLSConfig.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = name
	}
	return cfg
}

// Reset sends RSET (RFC 5321 §4.1.1.5), abandoning any transaction. Send
// already resets when a previous transaction was left open, so callers use
// Reset mainly to check that an idle pooled connection still answers. A
// reply other than 250 leaves the Client unusable.
func (c *Client) Reset(ctx context.Context) (err error) {
	if c.err != nil {
		return netError("RSET", fmt.Errorf("%w: %w", ErrUnusable, c.err))
	}
	if err := ctx.Err(); err != nil {
		return netError("RSET", err)
	}
	stop := c.begin(ctx)
	defer c.end(ctx, stop, &err)
	c.timeout = c.opts.CommandTimeout
	c.w.WriteString("RSET\r\n")
	rep, err := c.roundTrip(ctx, "RSET")
	if err != nil {
		return err
	}
	if rep.code != 250 {
		return c.fail(ReplyError("RSET", rep.code, rep.String()))
	}
	c.dirty = false
	return nil
}

// Quit ends the session politely (RFC 5321 §4.1.1.10: QUIT, wait for the
// reply) and closes the connection. Its error is informational: the
// connection is closed either way.
func (c *Client) Quit(ctx context.Context) (err error) {
	if c.err != nil {
		return c.Close()
	}
	if err := ctx.Err(); err == nil {
		func() {
			stop := c.begin(ctx)
			defer c.end(ctx, stop, &err)
			c.timeout = c.opts.CommandTimeout
			c.w.WriteString("QUIT\r\n")
			if _, err = c.roundTrip(ctx, "QUIT"); err == nil {
				c.awaitClose()
			}
		}()
	}
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	return err
}

// quitCloseWait bounds how long Quit waits, after the 221, for the server
// to close its end.
const quitCloseWait = time.Second

// awaitClose waits, after the 221 reply to QUIT, for the server to close
// the connection (RFC 5321 §4.1.1.10: it sends 221 "and then" closes), at
// most quitCloseWait and a few bytes of anything else. A receiver counts a
// session until it has closed it: a client that closes on the 221 and
// opens the next connection at once can be one over the receiver's
// concurrent-connection limit for a moment, and a strict receiver
// refuses that one with a 421. Servers close right after the 221, so
// this costs no more than the FIN's flight.
func (c *Client) awaitClose() {
	if end := time.Now().Add(quitCloseWait); c.deadline.IsZero() || end.Before(c.deadline) {
		c.deadline = end
	}
	var buf [512]byte
	for range 8 {
		if _, err := c.r.Read(buf[:]); err != nil {
			return
		}
	}
}

// Close closes the connection without QUIT. The Client is unusable after.
// A healthy TLS session is ended with a close_notify alert, written within
// closeTimeout; a broken connection is just closed.
func (c *Client) Close() error {
	conn := c.conn
	if c.err != nil {
		conn = c.raw
	} else {
		c.err = net.ErrClosed
	}
	c.timeout, c.deadline = closeTimeout, time.Time{}
	if err := conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("outbound: close connection to %s: %w", c.host, err)
	}
	return nil
}

// Usable reports whether the connection can carry another transaction. It
// turns false on network errors, timeouts, cancellation, protocol
// violations, 421 replies (RFC 5321 §3.8: the server is closing), and after
// Close or Quit; the caller then closes the Client instead of pooling it.
func (c *Client) Usable() bool { return c.err == nil }

// TLS reports whether STARTTLS succeeded and, if so, the TLS session's
// state, for Received headers, logs and TLS reporting (RFC 8460).
func (c *Client) TLS() (used bool, state tls.ConnectionState) {
	return c.tlsUsed, c.tlsState
}

// TLSVerified reports whether the TLS session's certificate chain was
// verified, by crypto/tls or by the TLSPolicy's Verify. It is false for
// opportunistic sessions (nil TLSConfig and TLSPolicy), which MTA-STS or
// DANE policies must not count as secure.
func (c *Client) TLSVerified() bool {
	return c.tlsUsed && (len(c.tlsState.VerifiedChains) > 0 || c.policyVerified)
}

// Extension reports whether the server advertised the EHLO keyword name
// (case-insensitive) and with which parameters, e.g. "SIZE" → "35882577".
func (c *Client) Extension(name string) (param string, ok bool) {
	param, ok = c.ext[strings.ToUpper(name)]
	return param, ok
}

// Host returns the server name given to Handshake, for logs.
func (c *Client) Host() string { return c.host }

// begin arms the running call's cancellation and deadline: the ctx
// deadline caps every I/O step, and cancellation closes the raw connection
// so blocked reads and writes return at once. The caller defers end.
func (c *Client) begin(ctx context.Context) (stop func() bool) {
	c.deadline, _ = ctx.Deadline()
	if ctx.Done() == nil {
		return nil // never cancelled: nothing to arm
	}
	return context.AfterFunc(ctx, c.closeRaw)
}

// end disarms what begin armed. If ctx fired meanwhile, the connection is
// closed, so the Client is marked unusable whatever the call returned, and
// *errp, when errp is not nil and holds no error yet, reports it.
func (c *Client) end(ctx context.Context, stop func() bool, errp *error) {
	c.deadline = time.Time{}
	if stop == nil || stop() || c.err != nil {
		return
	}
	e := netError("connection", context.Cause(ctx))
	c.err = e
	if errp != nil && *errp == nil {
		*errp = e
	}
}

// roundTrip flushes what was written for cmd and reads its reply, failing
// the Client on a 421 (RFC 5321 §3.8: the server is shutting the channel).
func (c *Client) roundTrip(ctx context.Context, cmd string) (*reply, error) {
	if err := c.w.Flush(); err != nil {
		return nil, c.fail(c.ioError(ctx, cmd, err))
	}
	return c.read(ctx, cmd)
}

// read reads one reply to cmd into c.rep, valid until the next read;
// network and protocol errors and 421 replies make the Client unusable.
func (c *Client) read(ctx context.Context, cmd string) (*reply, error) {
	rep := &c.rep
	c.replyBy = time.Now().Add(c.timeout) // the whole reply, however it is dripped
	if !c.deadline.IsZero() && c.deadline.Before(c.replyBy) {
		c.replyBy = c.deadline
	}
	err := readReply(c.r, rep)
	c.replyBy = time.Time{}
	if err != nil {
		return nil, c.fail(c.ioError(ctx, cmd, err))
	}
	c.replies++
	if rep.code == 421 {
		return nil, c.fail(ReplyError(cmd, rep.code, rep.String()))
	}
	return rep, nil
}

// fail records e as the reason the Client is unusable and returns it.
func (c *Client) fail(e *Error) *Error {
	if c.err == nil {
		c.err = e
	}
	return e
}

// ioError wraps a network error of cmd, naming the cause when the ctx
// deadline or cancellation produced it.
func (c *Client) ioError(ctx context.Context, cmd string, err error) *Error {
	if ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded) &&
		!c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		return netError(cmd, fmt.Errorf("%w (%w)", context.DeadlineExceeded, err))
	}
	if cause := context.Cause(ctx); cause != nil {
		return netError(cmd, fmt.Errorf("%w (%w)", cause, err))
	}
	return netError(cmd, err)
}

// quitQuietly sends QUIT without waiting for the reply, on the way out of a
// failed handshake: polite, but not worth waiting for.
func (c *Client) quitQuietly() {
	c.w.WriteString("QUIT\r\n")
	c.w.Flush()
}

// checkHelloName refuses an empty EHLO name, or one that would break the
// command line.
func checkHelloName(name string) error {
	if name == "" {
		return netError("EHLO", errors.New("outbound: Options.HelloName is empty"))
	}
	for i := range len(name) {
		if b := name[i]; b <= ' ' || b >= 0x7f {
			return netError("EHLO", fmt.Errorf("outbound: Options.HelloName %q contains byte %#x", name, b))
		}
	}
	return nil
}

// deadlineConn bounds each read and write. A reply (Client.read) must
// arrive whole within the step's timeout from when the client began
// waiting for it: re-arming the read deadline per read call, as this did,
// let a receiver that drips a byte just inside the timeout hold a
// delivery open for days. A write keeps the timeout as an idle limit (from
// now, at each call), so a large message is not cut off while data still
// flows. Both are capped by the running call's ctx deadline, and set only
// when they move (a write's by more than a sixteenth of the timeout): each
// set is a timer update in the runtime.
type deadlineConn struct {
	net.Conn
	c              *Client
	rArmed, wArmed time.Time // the deadlines last set
}

// target is the step's timeout from now, capped by the ctx deadline.
func (d *deadlineConn) target() time.Time {
	t := time.Now().Add(d.c.timeout)
	if !d.c.deadline.IsZero() && d.c.deadline.Before(t) {
		t = d.c.deadline
	}
	return t
}

// Read reads within the current reply's deadline (else the step's
// timeout from now).
func (d *deadlineConn) Read(p []byte) (int, error) {
	t := d.c.replyBy
	if t.IsZero() {
		t = d.target()
	}
	if !t.Equal(d.rArmed) {
		if err := d.Conn.SetReadDeadline(t); err != nil {
			return 0, err
		}
		d.rArmed = t
	}
	return d.Conn.Read(p)
}

// Write writes with the step's timeout as an idle limit.
func (d *deadlineConn) Write(p []byte) (int, error) {
	t := d.target()
	if d.wArmed.IsZero() || t.Before(d.wArmed) || t.Sub(d.wArmed) > d.c.timeout/16 {
		if err := d.Conn.SetWriteDeadline(t); err != nil {
			return 0, err
		}
		d.wArmed = t
	}
	return d.Conn.Write(p)
}
