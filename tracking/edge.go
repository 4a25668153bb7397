package tracking

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"sluice/internal/clock"
	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// Suppressor records an unsubscribe durably. queue.Store implements it: its
// Suppress returns after the fsync.
type Suppressor interface {
	Suppress(ctx context.Context, s queue.Suppression) error
}

var _ Suppressor = (*queue.Store)(nil)

// Recorder takes the edge's events without blocking; it reports false when
// it dropped one. events.Store implements it.
type Recorder interface {
	Record(ev events.Event) bool
}

var _ Recorder = (*events.Store)(nil)

// IP recording modes, for Config.IPMode.
const (
	// IPTruncate records the client's network: /24 for IPv4, /48 for IPv6
	// by default.
	IPTruncate = "truncate"
	// IPNone records no address.
	IPNone = "none"
	// IPFull records the whole address.
	IPFull = "full"
)

// HoneypotLink is the link index of the hidden link the rewrite adds for
// scanners: a click on it is always a machine's.
const HoneypotLink = 65535

// Config configures an Edge. Keyring and Suppressor are required.
type Config struct {
	// Keyring verifies tokens. Required.
	Keyring *token.Keyring
	// Events receives opens, clicks and unsubscribes. Nil: not recorded.
	Events Recorder
	// Suppressor records unsubscribes. Required.
	Suppressor Suppressor
	// TenantName gives the name shown on the unsubscribe page for a tenant
	// id. Default: the id.
	TenantName func(tenant string) string
	// Now is the clock. Default clock.Now (the real clock).
	Now func() time.Time
	// Logger. Default slog.Default().
	Logger *slog.Logger

	// IPMode says how client addresses are recorded: IPTruncate (default),
	// IPNone or IPFull.
	IPMode string
	// IPv4Bits and IPv6Bits are the prefix lengths kept by IPTruncate.
	// Defaults 24 and 48.
	IPv4Bits, IPv6Bits int
	// TrustedProxies are the peers (load balancers) whose X-Forwarded-For
	// is believed. Default none: the peer is the client.
	TrustedProxies []netip.Prefix
	// KeepUserAgent records the raw User-Agent with each event, besides its
	// class. Default false.
	KeepUserAgent bool

	// AppleCIDRs are Apple's proxy egress ranges, for Mail Privacy
	// Protection. Nil: DefaultAppleCIDRs(); empty and not nil: none.
	AppleCIDRs []netip.Prefix
	// AppleOpensHuman counts Apple Mail Privacy Protection opens as human
	// (still with Proxy "apple"). Default false: Apple fetches every
	// message on delivery, read or not.
	AppleOpensHuman bool
	// ScannerCIDRs are address ranges of security scanners: every request
	// from them is a machine's. Default none.
	ScannerCIDRs []netip.Prefix
	// ScannerAgents are user-agent substrings (case-insensitive) of
	// security scanners and HTTP libraries. Nil: DefaultScannerAgents().
	ScannerAgents []string
	// ScannerWindow: opens and clicks less than this long after the
	// message's acceptance are a machine's. Default 5s; negative: off.
	ScannerWindow time.Duration
	// BurstWindow: a click on another link of the same message and
	// recipient less than this long after the previous one is a machine's.
	// Default 1s; negative: off.
	BurstWindow time.Duration
	// BurstEntries bounds the recipients remembered for BurstWindow.
	// Default 65536.
	BurstEntries int
	// RepeatWindow: the same open, or a click on the same link, by the
	// same recipient less than this long after the one recorded is served
	// (pixel, redirect) but not recorded again, so that one token cannot
	// write events as fast as it can send requests. Default 10s;
	// negative: every request is recorded.
	RepeatWindow time.Duration
	// RepeatEntries bounds the opens and links remembered for
	// RepeatWindow. Default 65536.
	RepeatEntries int

	// MaxTokenAge refuses tokens issued longer ago than this (and tokens
	// without an issue time). Default 0: no limit.
	MaxTokenAge time.Duration
	// SuppressTimeout bounds the Suppressor call. Default 10s.
	SuppressTimeout time.Duration

	// ReadTimeout, WriteTimeout and IdleTimeout are the server's
	// connection timeouts. Defaults 10s, 10s, 60s.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	// MaxConnsPerAddr caps one client's open connections, counted per
	// IPv4 address and per IPv6 /64 (one host holds a whole /64); the
	// connection over it gets 429 (plain HTTP) or is closed (HTTPS) at
	// accept. Peers in TrustedProxies are exempt: behind a proxy every
	// client has its address. Default DefaultMaxConnsPerAddr; negative:
	// no cap.
	MaxConnsPerAddr int
	// MaxConns caps the connections served at once (fasthttp's
	// Concurrency; over it, 503), below the process's descriptor limit,
	// which `sluice serve` shares with SMTP and the spool. Default
	// DefaultMaxConns; negative: fasthttp's own (262,144).
	MaxConns int

	// OnCount, when set, is called with the name of every counter the
	// edge increments (see Stats for the names); it must be quick.
	OnCount func(name string)

	// HTTPSRedirect is the edge's HTTPS origin ("https://t.example.com",
	// a port allowed): set, plain-HTTP requests get a 308 there, same path
	// and query, except /healthz and ACME HTTP-01 challenges. Empty: plain
	// HTTP serves everything. See tls.go.
	HTTPSRedirect string
	// HTTPChallenge answers ACME HTTP-01 validation requests on plain HTTP
	// (certs.Manager.HTTPChallenge). Nil: none.
	HTTPChallenge func(ctx context.Context, host, path string) ([]byte, bool)

	// Hosts maps tenants' own tracking hosts to their tenants: on such a
	// host only that tenant's tokens are served, any other is a 404
	// (hosts.go). Nil: every host serves every tenant's tokens.
	Hosts HostTenants
}

// Connection caps' defaults (Config.MaxConnsPerAddr, Config.MaxConns).
// 256 per address leaves room for a large NAT or a mail provider's image
// proxy (Gmail's, Apple's) fetching many pixels at once; the benchmarks
// open 64 from one address.
const (
	DefaultMaxConnsPerAddr = 256
	DefaultMaxConns        = 10000
)

// Stats are the edge's counters. The names in brackets are those passed to
// Config.OnCount.
type Stats struct {
	Opens          uint64 // [open] human opens served
	MachineOpens   uint64 // [open_machine]
	Clicks         uint64 // [click] human clicks redirected
	MachineClicks  uint64 // [click_machine]
	Unsubscribes   uint64 // [unsubscribe] successful POSTs
	Pages          uint64 // [unsubscribe_page] confirmation pages shown
	Anonymous      uint64 // [anonymous] DNT/GPC requests counted in aggregate only
	BadToken       uint64 // [bad_token] tokens that did not verify or were of the wrong kind
	Expired        uint64 // [expired_token] authentic tokens older than MaxTokenAge
	BadURL         uint64 // [bad_url] click destinations that are not absolute http(s) URLs
	NotFound       uint64 // [not_found] other 404s (unknown paths and methods)
	SuppressError  uint64 // [suppress_error] unsubscribes answered 500
	EventDropped   uint64 // [event_dropped] events the Recorder refused
	BadUnsubscribe uint64 // [bad_unsubscribe] unsubscribe POSTs refused (400): not List-Unsubscribe=One-Click
	ConnRefused    uint64 // [conn_refused] connections refused at accept: over MaxConnsPerAddr
	Repeats        uint64 // [repeat] opens, clicks and one-click unsubscribes served but not recorded: repeated within RepeatWindow, or (unsubscribes) already in force
}

// Edge is the tracking edge. Create it with New; it is safe for concurrent
// use.
type Edge struct {
	cfg Config
	log *slog.Logger
	// requestClock: no clock was configured, so a request's time is the
	// one fasthttp read when the request arrived (one clock read fewer).
	requestClock bool
	classify     *classifier
	repeat       *repeatCache // nil: RepeatWindow off
	locations    *locationCache
	prefixes     prefixText
	trusted      prefixSet
	pages        *template.Template
	srv          *fasthttp.Server
	// plainHook: HTTPSRedirect or HTTPChallenge is set, so a plain-HTTP
	// request goes through servePlain first.
	plainHook bool

	baseCtx    context.Context // cancelled when Shutdown gives up
	cancelBase context.CancelFunc

	mu        sync.Mutex // guards listeners and shut
	listeners []net.Listener
	shut      bool

	counters [16]atomic.Uint64

	// conns counts the open connections per client key (connKey), for
	// MaxConnsPerAddr.
	connMu sync.Mutex
	conns  map[netip.Prefix]int
}

// counterNames are the counters' names, by index (in Stats order).
var counterNames = [...]string{
	"open", "open_machine", "click", "click_machine", "unsubscribe",
	"unsubscribe_page", "anonymous", "bad_token", "expired_token", "bad_url",
	"not_found", "suppress_error", "event_dropped", "bad_unsubscribe",
	"conn_refused", "repeat",
}

// New returns an Edge for cfg.
func New(cfg Config) (*Edge, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	// requestClock: no clock was configured (setDefaults fills one in).
	requestClock := cfg.Now == nil
	cfg.setDefaults()
	if err := checkRedirect(cfg.HTTPSRedirect); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	e := &Edge{
		cfg:          cfg,
		log:          cfg.Logger,
		requestClock: requestClock,
		classify:     newClassifier(&cfg),
		trusted:      newPrefixSet(cfg.TrustedProxies),
		locations:    newLocationCache(),
		pages:        pages,
		plainHook:    cfg.HTTPSRedirect != "" || cfg.HTTPChallenge != nil,
	}
	if cfg.RepeatWindow > 0 {
		e.repeat = newRepeatCache(cfg.RepeatEntries)
	}
	e.baseCtx, e.cancelBase = context.WithCancel(context.Background())
	e.srv = e.newServer()
	return e, nil
}

// check refuses a Config without its required stores or with IP
// truncation settings out of range, filling in the IP mode (IPTruncate)
// and prefix lengths (/24, /48) left unset.
func (cfg *Config) check() error {
	if cfg.Keyring == nil {
		return errors.New("tracking: Config.Keyring is required")
	}
	if cfg.Suppressor == nil {
		return errors.New("tracking: Config.Suppressor is required")
	}
	switch cfg.IPMode {
	case "":
		cfg.IPMode = IPTruncate
	case IPTruncate, IPNone, IPFull:
	default:
		return fmt.Errorf("tracking: IPMode %q: want %q, %q or %q", cfg.IPMode, IPTruncate, IPNone, IPFull)
	}
	if cfg.IPv4Bits == 0 {
		cfg.IPv4Bits = 24
	}
	if cfg.IPv6Bits == 0 {
		cfg.IPv6Bits = 48
	}
	if cfg.IPv4Bits < 0 || cfg.IPv4Bits > 32 || cfg.IPv6Bits < 0 || cfg.IPv6Bits > 128 {
		return fmt.Errorf("tracking: IPv4Bits %d / IPv6Bits %d out of range", cfg.IPv4Bits, cfg.IPv6Bits)
	}
	return nil
}

// setDefaults fills in the fields left unset, with the defaults their
// doc comments give.
func (cfg *Config) setDefaults() {
	if cfg.TenantName == nil {
		cfg.TenantName = func(t string) string { return t }
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AppleCIDRs == nil {
		cfg.AppleCIDRs = DefaultAppleCIDRs()
	}
	if cfg.ScannerAgents == nil {
		cfg.ScannerAgents = DefaultScannerAgents()
	}
	if cfg.ScannerWindow == 0 {
		cfg.ScannerWindow = 5 * time.Second
	}
	if cfg.BurstWindow == 0 {
		cfg.BurstWindow = time.Second
	}
	if cfg.BurstEntries <= 0 {
		cfg.BurstEntries = 65536
	}
	if cfg.RepeatWindow == 0 {
		cfg.RepeatWindow = 10 * time.Second
	}
	if cfg.RepeatEntries <= 0 {
		cfg.RepeatEntries = 65536
	}
	if cfg.SuppressTimeout <= 0 {
		cfg.SuppressTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 10 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = time.Minute
	}
	if cfg.MaxConnsPerAddr == 0 {
		cfg.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
}

// newServer returns the fasthttp server that runs e's handler.
func (e *Edge) newServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:               e.Handler(),
		Name:                  "sluice",
		NoDefaultServerHeader: true,
		ReadTimeout:           e.cfg.ReadTimeout,
		WriteTimeout:          e.cfg.WriteTimeout,
		IdleTimeout:           e.cfg.IdleTimeout,
		Concurrency:           max(0, e.cfg.MaxConns), // 0: fasthttp's default
		// MaxConnsPerIP is not used: it keys IPv6 per address (a host
		// holds a /64) and cannot exempt a trusted proxy (limitListener).
		// A token is at most token.MaxLen characters: the default 4 KiB
		// buffer would refuse the longest click URLs with their headers.
		ReadBufferSize:     token.MaxLen + 4096,
		MaxRequestBodySize: maxBody,
		// Unsubscribe bodies are parsed by the handler, which answers
		// its own 400 (and counts it).
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		SecureErrorLogMessage:        true,
		Logger:                       fasthttpLogger{e.cfg.Logger},
	}
}

// limit wraps ln so that each client (connKey) holds at most
// MaxConnsPerAddr of its connections.
func (e *Edge) limit(ln net.Listener) net.Listener {
	if e.cfg.MaxConnsPerAddr < 0 {
		return ln
	}
	return &limitListener{Listener: ln, e: e}
}

// limitListener refuses, at accept, a connection whose client already has
// MaxConnsPerAddr open: one host with a few addresses could otherwise
// hold thousands of half-sent requests and the descriptors that `sluice
// serve` shares with SMTP and the spool.
type limitListener struct {
	net.Listener
	e *Edge
}

// tooMany is the answer to a refused plain-HTTP connection.
const tooMany = "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

// Accept returns the next connection within its client's cap, refusing
// (and counting) those over it: plain HTTP with a 429, TLS (ServeTLS's
// listener, before any handshake) by closing it.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := l.e.connKey(c.RemoteAddr())
		if !ok {
			return c, nil // a trusted proxy, or not an IP peer
		}
		tc, isTLS := c.(*tls.Conn)
		if l.e.acquire(key) {
			lc := &limitedConn{Conn: c, e: l.e, key: key}
			if isTLS {
				return &limitedTLSConn{limitedConn: lc, tc: tc}, nil
			}
			return lc, nil
		}
		l.e.count(iConnRefused)
		if !isTLS {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, tooMany)
		}
		_ = c.Close()
	}
}

// connKey is the client a connection from addr counts for: its IPv4
// address or IPv6 /64; ok is false for a trusted proxy or a non-IP peer.
func (e *Edge) connKey(addr net.Addr) (netip.Prefix, bool) {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	a = a.Unmap().WithZone("")
	if e.trusted.contains(a) {
		return netip.Prefix{}, false
	}
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p, true
}

// acquire takes one of key's connections, if it has one left.
func (e *Edge) acquire(key netip.Prefix) bool {
	e.connMu.Lock()
	defer e.connMu.Unlock()
	if e.conns[key] >= e.cfg.MaxConnsPerAddr {
		return false
	}
	if e.conns == nil {
		e.conns = map[netip.Prefix]int{}
	}
	e.conns[key]++
	return true
}

// releaseConn gives back one of key's connections.
func (e *Edge) releaseConn(key netip.Prefix) {
	e.connMu.Lock()
	defer e.connMu.Unlock()
	if e.conns[key]--; e.conns[key] <= 0 {
		delete(e.conns, key)
	}
}

// limitedConn gives its client's place back when closed, once.
type limitedConn struct {
	net.Conn
	e      *Edge
	key    netip.Prefix
	closed atomic.Bool
}

func (c *limitedConn) Close() error {
	if !c.closed.Swap(true) {
		c.e.releaseConn(c.key)
	}
	return c.Conn.Close()
}

// limitedTLSConn is a limitedConn over a *tls.Conn that fasthttp still
// sees as TLS (RequestCtx.IsTLS asks for these two methods): plain-HTTP
// requests are redirected to HTTPS, HTTPS ones are not.
type limitedTLSConn struct {
	*limitedConn
	tc *tls.Conn
}

func (c *limitedTLSConn) Handshake() error                     { return c.tc.Handshake() }
func (c *limitedTLSConn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// Handler returns the edge's request handler, for a server the caller runs.
func (e *Edge) Handler() fasthttp.RequestHandler { return e.serve }

// Serve serves HTTP on ln until Shutdown. It returns nil after Shutdown,
// even when Shutdown ran before Serve started. Connections over
// MaxConnsPerAddr are refused at accept (limitListener).
func (e *Edge) Serve(ln net.Listener) error {
	ln = e.limit(ln)
	e.mu.Lock()
	if e.shut {
		e.mu.Unlock()
		ln.Close()
		return nil
	}
	e.listeners = append(e.listeners, ln)
	e.mu.Unlock()
	err := e.srv.Serve(ln)
	e.mu.Lock()
	shut := e.shut
	e.mu.Unlock()
	if shut {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for the requests in
// progress (an unsubscribe waits for its suppression) until ctx is done;
// then it cancels what is left and returns ctx's error. The event store is
// not the edge's: its owner flushes and closes it after Shutdown.
func (e *Edge) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.shut = true
	lns := e.listeners
	e.listeners = nil
	e.mu.Unlock()
	err := e.srv.ShutdownWithContext(ctx)
	// Serve may not have handed its listener to fasthttp yet, in which
	// case fasthttp had nothing to close.
	for _, ln := range lns {
		ln.Close()
	}
	if err != nil {
		e.cancelBase()
		return fmt.Errorf("tracking: shutdown: %w", err)
	}
	e.cancelBase()
	return nil
}

// Stats returns the edge's counters.
func (e *Edge) Stats() Stats {
	c := func(i int) uint64 { return e.counters[i].Load() }
	return Stats{
		Opens: c(0), MachineOpens: c(1), Clicks: c(2), MachineClicks: c(3),
		Unsubscribes: c(4), Pages: c(5), Anonymous: c(6), BadToken: c(7),
		Expired: c(8), BadURL: c(9), NotFound: c(10), SuppressError: c(11),
		EventDropped: c(12), BadUnsubscribe: c(13), ConnRefused: c(14), Repeats: c(15),
	}
}

// EachCount calls fn with the name (as in Stats) and value of every
// counter, in a fixed order: for metrics exporters that read the counters
// when scraped rather than being called on every request (OnCount).
func (e *Edge) EachCount(fn func(name string, v uint64)) {
	for i, name := range counterNames {
		fn(name, e.counters[i].Load())
	}
}

// count increments counter i.
func (e *Edge) count(i int) {
	e.counters[i].Add(1)
	if e.cfg.OnCount != nil {
		e.cfg.OnCount(counterNames[i])
	}
}

// Counter indexes into Edge.counters.
const (
	iOpen = iota
	iOpenMachine
	iClick
	iClickMachine
	iUnsubscribe
	iPage
	iAnonymous
	iBadToken
	iExpired
	iBadURL
	iNotFound
	iSuppressError
	iEventDropped
	iBadUnsubscribe
	iConnRefused
	iRepeat
)

// Paths.
const (
	pathHealth = "/healthz"
	prefixOpen = "/o/"
	suffixGIF  = ".gif"
	prefixClk  = "/c/"
	prefixUns  = "/u/"
)

// hasPrefix is bytes.HasPrefix for a string prefix, without allocating.
func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// hasSuffix is bytes.HasSuffix for a string suffix, without allocating.
func hasSuffix(b []byte, s string) bool { return len(b) >= len(s) && string(b[len(b)-len(s):]) == s }

// serve routes a request. ctx.Path() is already percent-decoded and
// normalised by fasthttp; a token is base64url, so that changes nothing for
// a real one.
func (e *Edge) serve(ctx *fasthttp.RequestCtx) {
	if e.plainHook && !ctx.IsTLS() && e.servePlain(ctx) {
		return
	}
	path := ctx.Path()
	get, head := ctx.IsGet(), ctx.IsHead()
	switch {
	case (get || head) && hasPrefix(path, prefixOpen) && hasSuffix(path, suffixGIF) && len(path) > len(prefixOpen)+len(suffixGIF):
		e.serveOpen(ctx, path[len(prefixOpen):len(path)-len(suffixGIF)], head)
	case (get || head) && hasPrefix(path, prefixClk):
		e.serveClick(ctx, path[len(prefixClk):], head)
	case hasPrefix(path, prefixUns):
		switch {
		case get || head:
			e.serveUnsubscribePage(ctx, path[len(prefixUns):])
		case ctx.IsPost():
			e.serveUnsubscribe(ctx, path[len(prefixUns):])
		default:
			e.notFound(ctx, iNotFound)
		}
	case (get || head) && string(path) == pathHealth:
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.SetBodyString("ok\n")
	default:
		e.notFound(ctx, iNotFound)
	}
}

// notFound answers a bare 404 and counts why.
func (e *Edge) notFound(ctx *fasthttp.RequestCtx, counter int) {
	e.count(counter)
	ctx.Response.Reset()
	ctx.SetStatusCode(fasthttp.StatusNotFound)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.SetBodyString("not found\n")
}

// open verifies tok as a token of kind; on failure it answers 404.
func (e *Edge) open(ctx *fasthttp.RequestCtx, tok []byte, kind token.Kind) (token.Claims, bool) {
	var c token.Claims
	var err error
	if e.cfg.MaxTokenAge > 0 {
		c, err = e.cfg.Keyring.OpenBytesMaxAge(tok, e.now(ctx), e.cfg.MaxTokenAge)
	} else {
		c, err = e.cfg.Keyring.OpenBytes(tok)
	}
	switch {
	case errors.Is(err, token.ErrExpired):
		e.notFound(ctx, iExpired)
		return c, false
	case err != nil || c.Kind != kind || !e.hostAllows(ctx, c.Tenant):
		e.notFound(ctx, iBadToken)
		return c, false
	}
	return c, true
}

// now is the time of the request: the configured clock, or else when
// fasthttp received it.
func (e *Edge) now(ctx *fasthttp.RequestCtx) time.Time {
	if e.requestClock {
		return ctx.Time().Add(clock.Shift()) // zero but in the clockshift test build
	}
	return e.cfg.Now()
}

// record hands ev to the Recorder, counting a refusal.
func (e *Edge) record(ev events.Event) {
	if e.cfg.Events == nil {
		return
	}
	if !e.cfg.Events.Record(ev) {
		e.count(iEventDropped)
	}
}

// fasthttpLogger sends fasthttp's messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug("tracking: http", "msg", fmt.Sprintf(format, args...))
}
