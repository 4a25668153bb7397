package guard

import (
	"bytes"
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

	// Read's pre-auth line holding (Read's goroutine only): held are
	// bytes of a command line not yet ended by LF; tls says a TLS
	// handshake began (STARTTLS), after which Read sees ciphertext and
	// passes it through.
	held []byte
	tls  atomic.Bool
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
// MaxPreAuthCommands it fails, which go-smtp's reader takes as the end
// of the session before it reads the next line: buffered commands are
// never run (a deadline alone only fails network reads, and 600
// pipelined NOOPs were answered). In clear the guard answers 421 4.7.0
// "Too many commands" itself; under TLS it cannot write, and go-smtp
// answers its own 421 4.4.0.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.overCommands() {
		return c.tooManyCommands()
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

// errTooManyCommands ends a session over the pre-auth command cap.
var errTooManyCommands = errors.New("guard: too many commands before authentication")

// tooManyCommands ends the session at the command over the cap: in clear
// it writes 421 4.7.0 and reports io.EOF (go-smtp then closes without a
// reply of its own); under TLS, errTooManyCommands (go-smtp writes 421).
// Its reads fail from now on, so nothing more is run.
func (c *Conn) tooManyCommands() error {
	c.cutOff("commands")
	c.linger.Store(true)
	_ = c.Conn.SetReadDeadline(c.accepted) // in the past: any read fails
	if c.tls.Load() {
		return errTooManyCommands
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c.Conn, "421 4.7.0 Too many commands before authentication, closing connection\r\n")
	c.hangup.Store(true)
	return io.EOF
}

// Read reads bytes left over from the PROXY header first. After Hangup it
// reports io.EOF, so the SMTP server ends the session once the reply in
// progress is written.
//
// Before authentication, in clear, it hands the SMTP server whole
// command lines only (holdLines): a line cut by the pre-auth deadline or
// the client's close is dropped, never run (bufio hands a reader the
// partial last line before the error, and an EHLO cut at 25 of its 60
// characters was answered).
func (c *Conn) Read(p []byte) (int, error) {
	if c.hangup.Load() {
		return 0, io.EOF
	}
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	if c.preAuth() && !c.tls.Load() {
		return c.holdLines(p)
	}
	if len(c.held) > 0 { // authenticated with a line begun: it is whole now
		n := copy(p, c.held)
		c.held = c.held[n:]
		return n, nil
	}
	n, err := c.Conn.Read(p)
	c.readErr(err)
	return n, err
}

// maxHeld bounds a command line held back: past it the bytes go to the
// SMTP server, which refuses the line as too long (go-smtp: 2000).
const maxHeld = 4096

// holdLines reads until the bytes held end a line, and hands over the
// bytes up to the last LF; the rest waits for its LF. A TLS record
// (0x16, a ClientHello after STARTTLS) at a line's start ends the
// holding: the bytes are ciphertext from then on.
func (c *Conn) holdLines(p []byte) (int, error) {
	for {
		tls := c.tls.Load()
		if i := bytes.LastIndexByte(c.held, '\n'); i >= 0 || len(c.held) >= maxHeld || tls {
			end := len(c.held)
			if i >= 0 && !tls {
				end = i + 1
			}
			n := copy(p, c.held[:end])
			c.held = c.held[n:]
			if len(c.held) == 0 {
				c.held = nil
			}
			return n, nil
		}
		var buf [1024]byte
		n, err := c.Conn.Read(buf[:])
		if n > 0 && len(c.held) == 0 && buf[0] == 0x16 {
			c.tls.Store(true) // a TLS handshake record: STARTTLS
		}
		c.held = append(c.held, buf[:n]...)
		if err != nil {
			c.readErr(err)
			if c.tls.Load() && len(c.held) > 0 {
				continue // hand the ciphertext over first
			}
			c.held = nil // a partial line: dropped, never run
			return 0, err
		}
	}
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
// A session cut over the command cap has the client's pipelined commands
// still unread: closing then would send a TCP reset, which makes the
// client's kernel drop the replies it has not read yet, the 421 among
// them. So the guard sends its FIN after the replies and reads what the
// client still sends (at most lingerBytes, for lingerTime) before it
// closes.
func (c *Conn) Close() error {
	c.l.release(c)
	if c.linger.Swap(false) {
		if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
			_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTime))
			_, _ = io.Copy(io.Discard, io.LimitReader(c.Conn, lingerBytes))
		}
	}
	return c.Conn.Close()
}

// How long and how much Close drains a session cut over the command cap.
const (
	lingerTime  = time.Second
	lingerBytes = 1 << 20
)

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
