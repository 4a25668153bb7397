package guard

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// Connection states, guarded by the Listener's mutex.
const (
	statePreAuth = iota + 1
	stateAuthed
	stateClosed
)

// Conn is an admitted connection. RemoteAddr is the client's address (the
// one a PROXY header named, if any); closing it releases its place under
// the caps, exactly once.
type Conn struct {
	net.Conn
	l      *Listener
	remote net.Addr
	addr   netip.Addr
	key    netip.Prefix
	exempt bool
	pre    []byte // client bytes read along with a PROXY header
	// accepted is when the TCP connection was accepted: the pre-auth
	// phase ends at accepted+PreAuthTimeout whatever the client does.
	accepted time.Time
	// reads counts the read deadlines armed before authentication: go-smtp
	// arms one before each command line it reads (Server.ReadTimeout), so
	// this is the client's pre-auth command count, seen through STARTTLS
	// too (a *tls.Conn passes SetReadDeadline down to us).
	reads atomic.Int32
	cut   atomic.Bool // the pre-auth phase was cut (counted once)

	state  int // statePreAuth…; guarded by l.mu
	authed atomic.Bool
	hangup atomic.Bool
}

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Addr returns the client's IP address (invalid for a non-IP peer).
func (c *Conn) Addr() netip.Addr { return c.addr }

// SetReadDeadline clamps t while the connection has not authenticated:
// to the end of the pre-auth phase, PreAuthTimeout after accept, and to
// the past once the client has sent MaxPreAuthCommands commands. A
// stranger holds a slot for at most PreAuthTimeout however it keeps the
// session busy (NOOP every few seconds re-armed a per-command timeout
// forever), STARTTLS included; go-smtp answers the expired read with
// 421 4.4.2 and closes.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t, true))
}

// SetDeadline sets the write deadline to t and the read deadline to t
// clamped as in SetReadDeadline. Write deadlines are never clamped: the
// reply to an expired read (go-smtp's 421) must still go out, and with
// the command cap a stranger cannot queue more than a few kilobytes of
// replies for a write to block on.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetReadDeadline(c.clamp(t, false))
}

// clamp returns the read deadline for t; command is set when go-smtp arms
// it before reading a command line (SetReadDeadline), so it is counted.
func (c *Conn) clamp(t time.Time, command bool) time.Time {
	d := c.l.cfg.PreAuthTimeout
	if d <= 0 || c.authed.Load() {
		return t
	}
	limit := c.accepted.Add(d)
	if max := c.l.cfg.MaxPreAuthCommands; command && max > 0 && int(c.reads.Add(1)) > max {
		// Over the cap: a deadline in the past fails the read at once.
		limit = c.accepted
		c.cutOff("commands")
	}
	// A network deadline: real time, not the injected clock.
	if t.IsZero() || t.After(limit) {
		return limit
	}
	return t
}

// Read reads bytes left over from the PROXY header first. After Hangup it
// reports io.EOF, so the SMTP server ends the session once the reply in
// progress is written.
func (c *Conn) Read(p []byte) (int, error) {
	if c.hangup.Load() {
		return 0, io.EOF
	}
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	n, err := c.Conn.Read(p)
	if err != nil && c.l.cfg.PreAuthTimeout > 0 && !c.authed.Load() && isTimeout(err) &&
		!time.Now().Before(c.accepted.Add(c.l.cfg.PreAuthTimeout)) {
		c.cutOff("timeout")
	}
	return n, err
}

// cutOff counts the end of a pre-auth phase cut by the guard, once per
// connection.
func (c *Conn) cutOff(reason string) {
	if c.cut.Swap(true) {
		return
	}
	if f := c.l.cfg.Metrics.PreAuthCut; f != nil {
		f(reason)
	}
	c.l.log.Debug("guard: pre-auth phase cut", "remote", c.addr.String(), "reason", reason)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Close closes the connection and releases its place under the caps.
// Safe to call more than once (go-smtp and a shutting-down server may).
func (c *Conn) Close() error {
	c.l.release(c)
	return c.Conn.Close()
}

// Authenticate marks the connection authenticated: it leaves the pre-auth
// counts and its read deadlines are no longer clamped.
func (c *Conn) Authenticate() { c.l.promote(c) }

// Hangup makes the connection end after the reply being written: its next
// read reports EOF (a session that must disconnect a client after a 421,
// RFC 5321 §3.8).
func (c *Conn) Hangup() { c.hangup.Store(true) }

// Find returns the guard's Conn under nc: nc itself, or the connection
// under a *tls.Conn (after STARTTLS go-smtp's Conn.Conn() is a *tls.Conn
// over ours) or any wrapper with a NetConn method.
func Find(nc net.Conn) (*Conn, bool) {
	for range 8 { // wrappers nest a few deep at most
		switch v := nc.(type) {
		case *Conn:
			return v, true
		case interface{ NetConn() net.Conn }:
			nc = v.NetConn()
		default:
			return nil, false
		}
	}
	return nil, false
}

// Authenticated marks the guarded connection under nc authenticated; it
// reports false when nc is not from a guard Listener (nothing to do).
func Authenticated(nc net.Conn) bool {
	c, ok := Find(nc)
	if ok {
		c.Authenticate()
	}
	return ok
}

// Hangup asks the guarded connection under nc to end after the reply in
// progress; false when nc is not from a guard Listener (the caller then
// closes the session its own way).
func Hangup(nc net.Conn) bool {
	c, ok := Find(nc)
	if ok {
		c.Hangup()
	}
	return ok
}
