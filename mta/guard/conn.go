package guard

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
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

	// cmds counts the command lines read since the session last made
	// progress (Progress), against the command budget: cmdMax when set
	// (LimitCommands), else ListenerConfig.MaxCommands.
	cmds   atomic.Int32
	cmdMax atomic.Int32
	// linger: the session was cut with commands still unread; Close
	// drains them first (see Close).
	linger atomic.Bool

	state  int // statePreAuth…; guarded by l.mu
	authed atomic.Bool
	hangup atomic.Bool
}

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Addr returns the client's IP address (invalid for a non-IP peer).
func (c *Conn) Addr() netip.Addr { return c.addr }

// SetReadDeadline clamps t while the connection has not authenticated:
// to the end of the pre-auth phase, PreAuthTimeout after accept. A
// stranger holds a slot for at most PreAuthTimeout however it keeps the
// session busy (NOOP every few seconds re-armed a per-command timeout
// forever), STARTTLS included; go-smtp answers the expired read with
// 421 4.4.2 and closes.
//
// go-smtp arms a read deadline before every command line it reads,
// whether the line is still on the network or already in its buffer (a
// pipelined batch), so this is where commands are counted. Past
// MaxPreAuthCommands, or past the command budget (MaxCommands), it fails
// with a 421 4.7.0 *smtp.SMTPError, which go-smtp's reader takes as the
// end of the session before it reads the next line, and writes as the
// reply, in clear and under STARTTLS alike (sluice's go-smtp patch):
// buffered commands are never run (a deadline alone only fails network
// reads, and 600 pipelined NOOPs were answered).
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.hangup.Load() {
		// After Hangup, no next command, buffered or not: go-smtp
		// closes on EOF (the reply in progress is written; lines
		// pipelined after it are drained, not run).
		c.linger.Store(true)
		return io.EOF
	}
	if c.overCommands() {
		c.cutOff("commands")
		return c.tooManyCommands(errPreAuthCommands)
	}
	if c.overBudget() {
		return c.tooManyCommands(errTooManyCommands)
	}
	return c.Conn.SetReadDeadline(c.clamp(t))
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
	return c.Conn.SetReadDeadline(c.clamp(t))
}

// preAuth reports whether the pre-auth rules apply now.
func (c *Conn) preAuth() bool { return c.l.cfg.PreAuthTimeout > 0 && !c.authed.Load() }

// clamp returns the read deadline for t.
func (c *Conn) clamp(t time.Time) time.Time {
	if !c.preAuth() {
		return t
	}
	limit := c.accepted.Add(c.l.cfg.PreAuthTimeout)
	// A network deadline: real time, not the injected clock.
	if t.IsZero() || t.After(limit) {
		return limit
	}
	return t
}

// overCommands counts one command line about to be read (go-smtp arms a
// read deadline before each) and reports whether it is over the cap.
func (c *Conn) overCommands() bool {
	max := c.l.cfg.MaxPreAuthCommands
	return max > 0 && c.preAuth() && int(c.reads.Add(1)) > max
}

// The replies that end a session over a command cap (RFC 5321 §3.8: 421
// and close; 4.7.0, a security or policy status, RFC 3463).
var (
	errPreAuthCommands = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many commands before authentication, closing connection"}
	errTooManyCommands = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many commands, closing connection"}
)

// overBudget counts one command line against the command budget and
// reports whether it is over it.
func (c *Conn) overBudget() bool {
	max := int(c.cmdMax.Load())
	if max == 0 {
		max = c.l.cfg.MaxCommands
	}
	n := int(c.cmds.Add(1))
	return max > 0 && n > max
}

// tooManyCommands ends the session at the command over a cap: it returns
// reply, which go-smtp writes before it closes. Reads fail from now on
// (the deadline is in the past), so nothing more is run.
func (c *Conn) tooManyCommands(reply *smtp.SMTPError) error {
	c.linger.Store(true)
	_ = c.Conn.SetReadDeadline(c.accepted) // in the past: any read fails
	return reply
}

// Read reads bytes left over from the PROXY header first. After Hangup it
// reports io.EOF, so the SMTP server ends the session once the reply in
// progress is written. (A command line cut by a deadline or the client's
// close is never run: sluice's go-smtp drops a line without its LF.)
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
	c.readErr(err)
	return n, err
}

// readErr notes a read that failed at the end of the pre-auth phase.
func (c *Conn) readErr(err error) {
	if err != nil && c.preAuth() && isTimeout(err) && !time.Now().Before(c.accepted.Add(c.l.cfg.PreAuthTimeout)) {
		c.cutOff("timeout")
	}
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
//
// A session cut over a command cap has the client's pipelined commands
// still unread: closing then would send a TCP reset, which makes the
// client's kernel drop the replies it has not read yet, the 421 among
// them. So the guard sends its FIN after the replies and reads what the
// client still sends (at most lingerBytes, for lingerTime) before it
// closes. That drain runs in a goroutine of the Listener's (go-smtp's
// Server.Close closes its connections one by one under a lock, and a
// drain in Close stalled shutdown a second per cut session), keeps the
// connection's place under the caps until it ends, and is bounded:
// past maxLingering drains at once, or once the Listener is closed,
// Close closes at once.
func (c *Conn) Close() error {
	if c.linger.Swap(false) && c.l.lingerStart(c) {
		if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
			go func() {
				defer c.l.lingerEnd(c)
				_, _ = io.Copy(io.Discard, io.LimitReader(c.Conn, lingerBytes))
				_ = c.Conn.Close()
				c.l.release(c)
			}()
			return nil
		}
		c.l.lingerEnd(c)
	}
	c.l.release(c)
	return c.Conn.Close()
}

// How long and how much Close drains a session cut over a command cap,
// and how many such drains a Listener runs at once.
const (
	lingerTime   = time.Second
	lingerBytes  = 1 << 20
	maxLingering = 64
)

// Progress tells the guard that the session made progress (the server
// accepted a message): the connection's command budget starts again.
func (c *Conn) Progress() { c.cmds.Store(0) }

// LimitCommands sets the connection's command budget to n command lines
// between two Progress calls, counting those already read, when its
// Listener sets none (ListenerConfig.MaxCommands): a server sets its own
// cap from its first session on.
func (c *Conn) LimitCommands(n int) {
	if c.l.cfg.MaxCommands == 0 && n > 0 {
		c.cmdMax.CompareAndSwap(0, int32(min(n, 1<<30)))
	}
}

// Authenticate marks the connection authenticated: it leaves the pre-auth
// counts and its read deadlines are no longer clamped.
func (c *Conn) Authenticate() { c.l.promote(c) }

// Hangup makes the connection end after the reply being written: its next
// read, and go-smtp's next command line even if already buffered
// (SetReadDeadline), report EOF (a session that must disconnect a client
// after a 421, RFC 5321 §3.8).
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

// Progress marks progress on the guarded connection under nc (see
// Conn.Progress); false when nc is not from a guard Listener.
func Progress(nc net.Conn) bool {
	c, ok := Find(nc)
	if ok {
		c.Progress()
	}
	return ok
}

// LimitCommands sets the command budget of the guarded connection under
// nc (see Conn.LimitCommands); false when nc is not from a guard
// Listener.
func LimitCommands(nc net.Conn, n int) bool {
	c, ok := Find(nc)
	if ok {
		c.LimitCommands(n)
	}
	return ok
}
