package guard

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"sluice/internal/clock"
	"sluice/mta/guard/proxyproto"
)

// ListenerConfig configures [Listen]. Every cap is a count of concurrent
// connections; 0 means no cap.
type ListenerConfig struct {
	// MaxConns caps all connections at once.
	MaxConns int
	// MaxPreAuth caps connections not yet authenticated (MaxConns minus
	// the capacity reserved for authenticated tenants). On a listener
	// whose clients never authenticate (the inbound MX) leave it 0.
	MaxPreAuth int
	// MaxConnsPerAddr caps one client address (or IPv6 prefix).
	MaxConnsPerAddr int
	// MaxPreAuthPerAddr caps one client address's unauthenticated
	// connections.
	MaxPreAuthPerAddr int
	// FamiliarFor is how long a client address (or IPv6 prefix) that
	// authenticated stays familiar: its new connections are admitted
	// even when MaxPreAuth is reached (within MaxConns and the
	// per-address caps), taking from the capacity kept for authenticated
	// tenants. Otherwise strangers holding every pre-auth place (a few
	// dozen addresses, or one IPv6 /59, each connection held for
	// PreAuthTimeout and opened again) would lock every tenant out of
	// AUTH. Default DefaultFamiliarFor; negative: off. Meaningful only
	// with MaxPreAuth.
	FamiliarFor time.Duration
	// Now is the clock of FamiliarFor (default clock.Now). Network
	// deadlines use real time.
	Now func() time.Time
	// IPv6Prefix is the prefix length IPv6 clients are grouped by
	// (default 64); IPv4 clients are counted per address.
	IPv6Prefix int
	// PreAuthTimeout, when set, is how long after accept a connection
	// may stay unauthenticated: every read deadline before AUTH is
	// clamped to accept+PreAuthTimeout, an absolute end for the whole
	// pre-auth phase (greeting, EHLO, STARTTLS and its handshake, AUTH),
	// however often the client sends commands. Leave it 0 on a listener
	// whose clients never authenticate (the inbound MX).
	PreAuthTimeout time.Duration
	// MaxPreAuthCommands caps the command lines a client may send before
	// authenticating, when PreAuthTimeout is set (default
	// DefaultMaxPreAuthCommands; negative: no cap). A real client needs
	// about six (EHLO, STARTTLS, EHLO, AUTH and its continuation lines).
	// Commands are counted by the read deadlines go-smtp arms before each
	// line, read from the network or already buffered (pipelined), so the
	// server's ReadTimeout must be set; the one over the cap is not run
	// and the client gets 421 4.7.0 (Conn.SetReadDeadline).
	MaxPreAuthCommands int
	// MaxCommands caps the command lines a client may send between two
	// marks of progress (Conn.Progress: the server accepted a message),
	// authenticated or not; 0 means no cap. Counted like
	// MaxPreAuthCommands (the server's ReadTimeout must be set); the
	// line over the cap is not run and the client gets 421 4.7.0. For
	// a listener whose clients never authenticate (the inbound MX), a
	// bound on NOOP, RSET, VRFY and HELP floods.
	MaxCommands int
	// Trusted networks (the client's address, after PROXY) are exempt from
	// the per-address and pre-auth caps and from PreAuthTimeout: they are
	// counted as authenticated from the start (submission's trusted
	// networks send without AUTH).
	Trusted []netip.Prefix
	// ProxyFrom are the networks of the proxies whose connections start
	// with a PROXY protocol header (v1 or v2). Empty: no PROXY protocol.
	ProxyFrom []netip.Prefix
	// ProxyHeaderTimeout bounds the wait for that header (default 5s).
	ProxyHeaderTimeout time.Duration
	// AddrReply is the reply line (no CRLF) for a per-address cap;
	// default "421 4.7.0 Too many connections from your address, try
	// again later". BusyReply is the one for a global cap; default
	// "421 4.7.0 Too many connections, try again later".
	AddrReply, BusyReply string
	Logger               *slog.Logger
	Metrics              ListenerMetrics

	// lingerTime is how long Close drains a cut session (default
	// lingerTime; tests set it).
	lingerTime time.Duration
}

// ListenerMetrics receives what a Listener counts. Any field may be nil.
// Gauges (open and pre-auth connections, addresses) read [Listener.Stats].
type ListenerMetrics struct {
	// Accepted is called for each connection admitted.
	Accepted func()
	// Refused is called for each connection refused, with one of
	// "total", "preauth", "per_addr", "preauth_per_addr" (answered 421),
	// "proxy_header" (closed: a configured proxy sent no valid header).
	Refused func(reason string)
	// PreAuthCut is called when a connection's pre-auth phase is cut,
	// with "timeout" (PreAuthTimeout after accept) or "commands"
	// (MaxPreAuthCommands reached); the client gets 421 (4.4.2 from
	// go-smtp for a timeout, 4.7.0 from the guard for commands, in clear
	// and under TLS) and is closed.
	PreAuthCut func(reason string)
}

// Stats is a snapshot of a Listener's accounting.
type Stats struct {
	Conns   int // open connections (admitted, not yet closed)
	PreAuth int // of which not authenticated
	Addrs   int // client address groups with open connections
}

// DefaultMaxPreAuthCommands is ListenerConfig.MaxPreAuthCommands when 0.
const DefaultMaxPreAuthCommands = 20

// DefaultFamiliarFor is ListenerConfig.FamiliarFor when 0: a day, like
// the throttle's memory of successful logins (RememberSuccess).
const DefaultFamiliarFor = 24 * time.Hour

// maxFamiliar bounds the familiar addresses remembered. Only a
// successful AUTH adds one, so only tenants (accountable, revocable) can
// fill it; when full the expired go first, then arbitrary ones.
const maxFamiliar = 65536

const (
	defaultProxyHeaderTimeout = 5 * time.Second
	// refuseWriteTimeout bounds writing the 421 to a refused client.
	refuseWriteTimeout = 5 * time.Second
)

// Listener is a net.Listener that admits connections under the caps of
// its ListenerConfig. Accept returns *Conn values.
type Listener struct {
	inner     net.Listener
	cfg       ListenerConfig
	group     grouper
	addrReply []byte
	busyReply []byte
	log       *slog.Logger

	ready chan *Conn    // admitted connections for Accept
	errs  chan error    // temporary accept errors for Accept (go-smtp backs off)
	stop  chan struct{} // closed by Close or a permanent accept error
	once  sync.Once
	err   error // why stop closed; set before it closes
	wg    sync.WaitGroup

	mu      sync.Mutex
	total   int
	preAuth int
	addrs   map[netip.Prefix]*addrCount
	pending map[net.Conn]struct{} // proxied connections still sending their header
	// familiar maps the address groups that authenticated to when they
	// did last (ListenerConfig.FamiliarFor).
	familiar map[netip.Prefix]time.Time
	// lingering are the connections Close is draining (Conn.Close);
	// stopped says Close has run: no new drains.
	lingering map[*Conn]struct{}
	stopped   bool
}

type addrCount struct{ conns, preAuth int }

var _ net.Listener = (*Listener)(nil)

// Listen wraps inner and starts accepting from it. Close the Listener to
// stop (it closes inner).
func Listen(inner net.Listener, cfg ListenerConfig) (*Listener, error) {
	g, err := newGrouper(cfg.IPv6Prefix)
	if err != nil {
		return nil, err
	}
	for _, n := range []*int{&cfg.MaxConns, &cfg.MaxPreAuth, &cfg.MaxConnsPerAddr, &cfg.MaxPreAuthPerAddr} {
		if *n < 0 {
			return nil, fmt.Errorf("guard: negative connection cap %d", *n)
		}
	}
	switch {
	case cfg.PreAuthTimeout <= 0 || cfg.MaxPreAuthCommands < 0:
		cfg.MaxPreAuthCommands = 0 // no cap
	case cfg.MaxPreAuthCommands == 0:
		cfg.MaxPreAuthCommands = DefaultMaxPreAuthCommands
	}
	if cfg.lingerTime <= 0 {
		cfg.lingerTime = lingerTime
	}
	if cfg.MaxCommands < 0 {
		cfg.MaxCommands = 0
	}
	if cfg.ProxyHeaderTimeout <= 0 {
		cfg.ProxyHeaderTimeout = defaultProxyHeaderTimeout
	}
	if cfg.FamiliarFor == 0 {
		cfg.FamiliarFor = DefaultFamiliarFor
	}
	cfg.Now = clock.Or(cfg.Now)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Listener{
		inner: inner, cfg: cfg, group: g, log: cfg.Logger,
		addrReply: replyLine(cfg.AddrReply, "421 4.7.0 Too many connections from your address, try again later"),
		busyReply: replyLine(cfg.BusyReply, "421 4.7.0 Too many connections, try again later"),
		ready:     make(chan *Conn),
		errs:      make(chan error),
		stop:      make(chan struct{}),
		addrs:     map[netip.Prefix]*addrCount{},
		pending:   map[net.Conn]struct{}{},
		familiar:  map[netip.Prefix]time.Time{},
		lingering: map[*Conn]struct{}{},
	}
	l.wg.Add(1)
	go l.loop()
	return l, nil
}

// replyLine makes a configured reply safe to send: one line (CR and LF
// removed), then CRLF.
func replyLine(s, def string) []byte {
	if s == "" {
		s = def
	}
	s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
	return []byte(s + "\r\n")
}

// Accept returns the next admitted connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.stop:
		return nil, l.err
	}
}

// Close stops accepting, closes connections not yet handed to Accept,
// cuts the drains of closed connections short (Conn.Close), and waits for
// the listener's goroutines. Connections already accepted stay open:
// their server closes them.
func (l *Listener) Close() error {
	err := l.inner.Close()
	l.halt(net.ErrClosed)
	l.mu.Lock()
	for c := range l.pending {
		c.Close()
	}
	l.stopped = true
	for c := range l.lingering {
		_ = c.Conn.SetReadDeadline(c.accepted) // end the drain now
	}
	l.mu.Unlock()
	l.wg.Wait()
	return err
}

func (l *Listener) halt(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.stop)
	})
}

// Addr is the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Stats returns the current counts.
func (l *Listener) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Conns: l.total, PreAuth: l.preAuth, Addrs: len(l.addrs)}
}

// loop accepts from inner. Plain connections are admitted here (a map
// update under a mutex); a configured proxy's connection reads its header
// in its own goroutine, so a slow proxy cannot stall accepting.
func (l *Listener) loop() {
	defer l.wg.Done()
	for {
		nc, err := l.inner.Accept()
		accepted := time.Now() // the pre-auth phase starts here (a network deadline: real time)
		if err != nil {
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				select {
				case l.errs <- err: // go-smtp logs it and backs off
					continue
				case <-l.stop:
					return
				}
			}
			l.halt(err)
			return
		}
		peer := addrOf(nc.RemoteAddr())
		if len(l.cfg.ProxyFrom) > 0 && inAny(l.cfg.ProxyFrom, peer) {
			l.mu.Lock()
			l.pending[nc] = struct{}{}
			l.mu.Unlock()
			l.wg.Add(1)
			go l.proxied(nc, accepted)
			continue
		}
		l.admit(&Conn{Conn: nc, remote: nc.RemoteAddr(), addr: peer, accepted: accepted})
	}
}

// proxied reads the PROXY header of a connection from a configured proxy,
// then admits it as the client the header names (spec §2: the receiver
// must not guess; a connection from a proxy without a valid header is
// closed).
func (l *Listener) proxied(nc net.Conn, accepted time.Time) {
	defer l.wg.Done()
	c, err := readProxyHeader(nc, l.cfg.ProxyHeaderTimeout)
	l.mu.Lock()
	delete(l.pending, nc)
	l.mu.Unlock()
	if err != nil {
		l.log.Warn("guard: bad PROXY header", "proxy", nc.RemoteAddr().String(), "err", err)
		l.refused("proxy_header")
		nc.Close()
		return
	}
	c.accepted = accepted
	l.admit(c)
}

// readProxyHeader reads the PROXY header and returns the connection as
// the client it names. A LOCAL header (the proxy's own health check) or
// an UNKNOWN one (v1 "PROXY UNKNOWN", v2 with an unsupported family)
// names no client: the connection is an unknown client, with the
// invalid address, never the proxy's own. The proxy's address may be
// loopback or inside the trusted networks, and its connections must not
// inherit what those allow (sending without AUTH, plaintext AUTH on
// loopback); the invalid address is in no network and is not loopback.
func readProxyHeader(nc net.Conn, timeout time.Duration) (*Conn, error) {
	if err := nc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, fmt.Errorf("guard: arming PROXY header deadline: %w", err)
	}
	br := bufio.NewReaderSize(nc, 256)
	h, err := proxyproto.Read(br)
	if err != nil {
		return nil, err
	}
	if err := nc.SetReadDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("guard: clearing PROXY header deadline: %w", err)
	}
	c := &Conn{Conn: nc, remote: unknownAddr{}}
	if h.Command == proxyproto.Proxy && h.Known {
		c.addr = h.Source.Addr().Unmap()
		c.remote = net.TCPAddrFromAddrPort(h.Source)
	}
	// Bytes the client sent right after the header (a pipelining client)
	// are the server's: keep them for the first reads.
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		c.pre = append([]byte(nil), b...)
	}
	return c, nil
}

// admit counts c under the caps and hands it to Accept, or refuses it.
func (l *Listener) admit(c *Conn) {
	c.l = l
	c.key = l.group.key(c.addr)
	c.exempt = inAny(l.cfg.Trusted, c.addr)
	if reason := l.take(c); reason != "" {
		l.refused(reason)
		reply := l.busyReply
		if strings.HasSuffix(reason, "per_addr") {
			reply = l.addrReply
		}
		l.wg.Add(1)
		go l.refuse(c.Conn, reply)
		return
	}
	if f := l.cfg.Metrics.Accepted; f != nil {
		f()
	}
	select {
	case l.ready <- c:
	case <-l.stop:
		c.Close()
	}
}

// take books one connection for c, or returns the cap that refuses it.
func (l *Listener) take(c *Conn) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.MaxConns > 0 && l.total >= l.cfg.MaxConns {
		return "total"
	}
	if c.exempt {
		l.total++
		c.state = stateAuthed
		c.authed.Store(true)
		return ""
	}
	if l.cfg.MaxPreAuth > 0 && l.preAuth >= l.cfg.MaxPreAuth && !l.isFamiliar(c.key) {
		return "preauth"
	}
	a := l.addrs[c.key]
	if a == nil {
		a = &addrCount{}
	}
	if l.cfg.MaxConnsPerAddr > 0 && a.conns >= l.cfg.MaxConnsPerAddr {
		return "per_addr"
	}
	if l.cfg.MaxPreAuthPerAddr > 0 && a.preAuth >= l.cfg.MaxPreAuthPerAddr {
		return "preauth_per_addr"
	}
	a.conns++
	a.preAuth++
	l.addrs[c.key] = a
	l.total++
	l.preAuth++
	c.state = statePreAuth
	return ""
}

// promote moves c from pre-auth to authenticated.
func (l *Listener) promote(c *Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.state != statePreAuth {
		return
	}
	c.state = stateAuthed
	c.authed.Store(true)
	l.preAuth--
	if a := l.addrs[c.key]; a != nil {
		a.preAuth--
	}
	l.remember(c.key)
}

// isFamiliar reports whether key authenticated within FamiliarFor
// (l.mu held).
func (l *Listener) isFamiliar(key netip.Prefix) bool {
	if !key.IsValid() {
		return false
	}
	at, ok := l.familiar[key]
	return ok && l.cfg.FamiliarFor > 0 && l.cfg.Now().Sub(at) < l.cfg.FamiliarFor
}

// remember records that key authenticated now (l.mu held), making room
// when the table is full: expired entries first, then any.
func (l *Listener) remember(key netip.Prefix) {
	// No address (a PROXY header saying LOCAL or UNKNOWN): every such
	// client shares the zero key, and one AUTH must not make them all
	// familiar (review8).
	if l.cfg.FamiliarFor <= 0 || !key.IsValid() {
		return
	}
	now := l.cfg.Now()
	if _, ok := l.familiar[key]; !ok && len(l.familiar) >= maxFamiliar {
		for k, at := range l.familiar {
			if now.Sub(at) >= l.cfg.FamiliarFor {
				delete(l.familiar, k)
			}
		}
		for k := range l.familiar {
			if len(l.familiar) < maxFamiliar {
				break
			}
			delete(l.familiar, k)
		}
	}
	l.familiar[key] = now
}

// lingerStart books a drain of c for Close, unless maxLingering drains
// run or the Listener is closed. Close waits for the drains it books.
func (l *Listener) lingerStart(c *Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped || len(l.lingering) >= maxLingering {
		return false
	}
	l.lingering[c] = struct{}{}
	l.wg.Add(1)
	// Under l.mu, so that Close's cut comes after it.
	_ = c.Conn.SetReadDeadline(time.Now().Add(l.cfg.lingerTime))
	return true
}

// lingerEnd ends a drain lingerStart booked.
func (l *Listener) lingerEnd(c *Conn) {
	l.mu.Lock()
	delete(l.lingering, c)
	l.mu.Unlock()
	l.wg.Done()
}

// release returns c's booking; the address entry goes when it is empty,
// so the map holds only addresses with open connections.
func (l *Listener) release(c *Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch c.state {
	case stateClosed:
		return
	case statePreAuth:
		l.preAuth--
	}
	if !c.exempt {
		if a := l.addrs[c.key]; a != nil {
			a.conns--
			if c.state == statePreAuth {
				a.preAuth--
			}
			if a.conns <= 0 {
				delete(l.addrs, c.key)
			}
		}
	}
	l.total--
	c.state = stateClosed
}

// refuse tells a refused client why (RFC 5321 §3.8) and closes.
func (l *Listener) refuse(nc net.Conn, reply []byte) {
	defer l.wg.Done()
	_ = nc.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
	_, _ = nc.Write(reply)
	nc.Close()
}

func (l *Listener) refused(reason string) {
	if f := l.cfg.Metrics.Refused; f != nil {
		f(reason)
	}
}

// unknownAddr is the RemoteAddr of a client a PROXY header did not name
// (LOCAL, UNKNOWN). Its String parses as no IP address, so whoever reads
// it (addrOf, mta/submit) gets the invalid netip.Addr.
type unknownAddr struct{}

func (unknownAddr) Network() string { return "tcp" }
func (unknownAddr) String() string  { return "unknown" }
