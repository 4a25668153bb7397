// Package submit is sluice's submission server: a go-smtp Backend that
// authenticates tenants (RFC 4954 AUTH PLAIN and LOGIN, after STARTTLS per
// RFC 3207 unless loopback plaintext is allowed), enforces their sender
// domains and limits (no open relay), adds the trace and identity headers
// (RFC 5321 §4.4, RFC 5322 §3.6), signs, and answers 250 only once the
// message is durable in the spool.
package submit

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/internal/clock"
	"sluice/mta/guard"
	"sluice/queue"
)

// Spool is the part of the queue the submission server needs.
type Spool interface {
	NewID() queue.ID
	// Enqueue stores the messages in one durable write (all or none).
	Enqueue(ctx context.Context, ms ...*queue.Message) error
}

// Tracker rewrites a prepared message for one recipient before signing:
// tracking links, the open pixel, List-Unsubscribe (RFC 2369, RFC 8058).
// Those carry per-recipient tokens, so a submission with several
// recipients becomes one message per recipient whenever changed is true.
type Tracker interface {
	Track(tenant string, id queue.ID, rcpt string, stream queue.Stream, msg []byte) (out []byte, changed bool, err error)
}

// Suppressions answers whether a tenant may mail an address.
type Suppressions interface {
	Suppressed(tenant, addr string) (queue.Suppression, bool)
}

// Signer signs a prepared message (DKIM). Sign returns header fields to
// prepend; signed is false when no key matches the From domain (fields may
// still hold signatures that do not depend on it, such as the ESP's).
// FieldsLen is the room to leave before the message for them: usually
// enough (more only costs a copy). *dkim.Signer implements it.
type Signer interface {
	Sign(msg []byte) (fields []byte, signed bool, err error)
	FieldsLen() int
}

// Metrics receives what the submission server counts. Any field may be nil.
type Metrics struct {
	// SessionOpened and SessionClosed track concurrent sessions.
	SessionOpened, SessionClosed func()
	// Accepted is called for each message queued, with its tenant and size.
	Accepted func(tenant string, bytes int, rcpts int)
	// Rejected is called for each refused command; reason is one of a
	// fixed set: "auth_required", "auth_failed", "sender_domain",
	// "too_many_recipients", "too_many_sessions", "too_large",
	// "line_too_long", "store", "disk_full", "bad_stream",
	// "bad_priority" (X-Sluice-Priority not high, normal or low), "pool",
	// "suppressed", "unsignable", "shutting_down", "bad_address" (RCPT
	// syntax or bytes: invalid UTF-8, controls), "bad_sender_syntax" (MAIL
	// FROM bytes), "needs_smtputf8" (a non-ASCII address without
	// SMTPUTF8), "nul_byte" (a NUL in the message), "bad_header_bytes"
	// (8-bit header bytes that are not UTF-8), "bad_from" (not exactly
	// one parsable From, or a bad Sender), "from_not_allowed" (a From or
	// Sender address outside the tenant's domains and FromAllow),
	// "auth_throttled" (AUTH refused by the failure throttle), "long_header"
	// and "long_line" (a line over 998 octets that cannot be made to
	// conform), "tenant_sessions" (AUTH over the tenant's session cap),
	// "tenant_rate" and "tenant_daily_quota" (MAIL FROM over the tenant's
	// limits, LimitRate and LimitDaily), "tenant_limit" (another
	// limiter's refusal), "unsigned" (no DKIM signature aligned with the
	// From domain under RequireAligned: 550 5.7.1), "data_memory" (the
	// message memory budget stayed full: 452 4.3.1), "copies_too_large"
	// (tracked copies over MaxCopyBytes: 552 5.3.4), "bad_sender_syntax"
	// also for a MAIL FROM mailbox that needs quoting or names its domain
	// in another form (address.go), "stream_not_allowed"
	// (transactional mail from a tenant not allowed it: 550 5.7.1),
	// "bad_dsn" (DSN parameters, not offered: 555 5.5.4), "bad_auth"
	// (AUTH syntax: 501 5.5.2, 504 5.5.4), "data_timeout" (the data did
	// not arrive within the DATA deadline: 451 4.4.2 or 421 4.4.2).
	Rejected func(reason string)
	// Unsigned is called for a message no DKIM key matched.
	Unsigned func(tenant string)
	// Queued is called for each message durably queued, with its campaign
	// (X-Sluice-Campaign, "" if none): the statistics' "sent".
	Queued func(m *queue.Message, campaign string)
	// Latency is called for each accepted DATA with the time from the end
	// of its data to the 250 (checks, rewriting, signing, durable commit).
	Latency func(d time.Duration)
}

// Config configures the Backend.
type Config struct {
	Hostname        string
	Tenants         []*Tenant
	MaxMessageBytes int64
	MaxRecipients   int
	// MaxLineLength is the longest line accepted, in octets with its CRLF
	// (0: DefaultMaxLineLength). Longer lines get 500 5.5.2 naming the
	// limit. Lines over RFC 5322's 998 octets within it are made to
	// conform by re-encoding only the affected MIME part before signing.
	MaxLineLength int
	MaxSessions   int
	// MaxSessionsPerTenant caps each tenant's authenticated sessions at
	// once, checked at AUTH (Tenant.MaxSessions overrides it; 0: no cap).
	// Authenticated sessions leave the guard's pre-auth and per-address
	// caps, so without it one tenant, or its stolen credentials from a
	// few addresses, could hold every connection.
	MaxSessionsPerTenant         int
	AllowPlaintextAuthOnLoopback bool
	TrustedNetworks              []netip.Prefix
	TrustedTenant                string
	Spool                        Spool
	// Suppressions, when set, refuses suppressed recipients: at RCPT when
	// the suppression blocks every stream (hard bounce, complaint), after
	// DATA for marketing-only ones (unsubscribes), once the message's
	// stream is known.
	Suppressions Suppressions
	// Throttle, when set, slows and then refuses repeated AUTH failures
	// per client address and per (username, address), and bounds the
	// concurrent password checks (mta/guard). The listener's guard
	// (guard.Listen) is told when a session authenticates.
	Throttle *guard.Throttle
	// Limiter, when set, caps each tenant's messages per second and per
	// UTC day (limit.go): over a limit MAIL FROM gets 451 4.7.1. Nil: no
	// limits.
	Limiter TenantLimiter
	Logger  *slog.Logger
	Now     func() time.Time
	Metrics Metrics
	// DataMemory bounds the message bytes all sessions hold at once (read
	// buffers, prepared and per-recipient copies: membudget.go). A DATA
	// over it waits DataMemoryWait, then gets 452 4.3.1. 0:
	// DefaultDataMemory(MaxMessageBytes), from the memory the process
	// may use; negative: no bound.
	DataMemory int64
	// DataMemoryWait is how long a session waits for room in DataMemory
	// before answering 452 4.3.1 (0: 5s).
	DataMemoryWait time.Duration
	// MaxCopyBytes bounds the per-recipient copies one message may make
	// when tracking rewrites it per recipient: a message whose copies
	// would exceed it gets 552 5.3.4 naming how many recipients fit. 0: a
	// quarter of DataMemory, at most 256 MiB (256 MiB without a
	// DataMemory); negative: no bound.
	MaxCopyBytes int64
}

// Backend implements smtp.Backend for submission.
type Backend struct {
	cfg      Config
	auth     *authenticator
	trusted  *Tenant
	log      *slog.Logger
	sessions atomic.Int64
	// bufs pools the buffers DATA is read into (*[]byte): nothing keeps
	// the raw submission once the session has answered.
	bufs sync.Pool
	// mem is the process-wide budget of message bytes (nil: none), and
	// maxCopies the per-message bound on tracked copies (0: none).
	mem       *dataBudget
	maxCopies int64

	tenantMu       sync.Mutex
	tenantSessions map[string]int // authenticated sessions by tenant name

	mu       sync.Mutex
	busy     int           // sessions inside a transaction (MAIL … end of DATA)
	idle     chan struct{} // closed when busy drops to 0 during shutdown
	shutdown bool
}

var _ smtp.Backend = (*Backend)(nil)

// New builds a Backend.
func New(cfg Config) (*Backend, error) {
	if cfg.Spool == nil {
		return nil, errors.New("submit: no spool")
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	auth, err := newAuthenticator(cfg.Tenants)
	if err != nil {
		return nil, err
	}
	b := &Backend{cfg: cfg, auth: auth, log: cfg.Logger, tenantSessions: map[string]int{}}
	b.setMemory()
	if cfg.TrustedTenant != "" {
		for _, t := range cfg.Tenants {
			if t.Name == cfg.TrustedTenant {
				b.trusted = t
			}
		}
		if b.trusted == nil {
			return nil, fmt.Errorf("submit: trusted tenant %q not configured", cfg.TrustedTenant)
		}
	}
	return b, nil
}

// setMemory applies the memory bounds of cfg (membudget.go).
func (b *Backend) setMemory() {
	budget, wait := b.cfg.DataMemory, b.cfg.DataMemoryWait
	if budget == 0 {
		budget = DefaultDataMemory(b.cfg.MaxMessageBytes)
	}
	if wait == 0 {
		wait = 5 * time.Second
	}
	b.mem = newDataBudget(budget, wait)
	switch c := b.cfg.MaxCopyBytes; {
	case c > 0:
		b.maxCopies = c
	case c < 0:
	case budget > 0:
		b.maxCopies = min(budget/4, 256<<20)
	default:
		b.maxCopies = 256 << 20
	}
}

// DefaultMaxLineLength is the longest line accepted in DATA when
// Config.MaxLineLength is 0: real applications write long HTML lines;
// prepare re-encodes the parts that have them.
const DefaultMaxLineLength = 64 << 10

func (b *Backend) maxLine() int {
	if b.cfg.MaxLineLength > 0 {
		return b.cfg.MaxLineLength
	}
	return DefaultMaxLineLength
}

// NewServer returns a go-smtp server for b with the submission extensions
// enabled. The caller sets Addr or calls Serve.
func (b *Backend) NewServer(tlsConfig *tls.Config, readTimeout, writeTimeout time.Duration) *smtp.Server {
	s := smtp.NewServer(b)
	s.Domain = b.cfg.Hostname
	s.TLSConfig = tlsConfig
	s.MaxMessageBytes = b.cfg.MaxMessageBytes
	// Command lines too: go-smtp has one limit for both (CRLF included).
	s.MaxLineLength = b.maxLine()
	s.MaxRecipients = b.cfg.MaxRecipients
	s.ReadTimeout, s.WriteTimeout = readTimeout, writeTimeout
	s.EnableSMTPUTF8 = true
	// AUTH before TLS is decided per session (loopback may be allowed), so
	// the server-wide switch is on and sessions refuse it themselves.
	s.AllowInsecureAuth = true
	s.ErrorLog = ServerLog(b.log)
	return s
}

// NewSession is called by go-smtp at EHLO/HELO.
func (b *Backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if b.isShuttingDown() {
		return nil, errShuttingDown
	}
	if n := b.sessions.Add(1); b.cfg.MaxSessions > 0 && n > int64(b.cfg.MaxSessions) {
		b.sessions.Add(-1)
		b.reject("too_many_sessions")
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many sessions, try again later"}
	}
	if f := b.cfg.Metrics.SessionOpened; f != nil {
		f()
	}
	s := &Session{b: b, conn: c, remote: remoteAddr(c.Conn())}
	if b.cfg.Throttle != nil {
		s.ag = b.cfg.Throttle.Session(s.remote)
	}
	_, s.tls = c.TLSConnectionState()
	if trusted := b.trustedTenant(); trusted != nil && s.remote.IsValid() {
		for _, p := range b.cfg.TrustedNetworks {
			if p.Contains(s.remote) {
				s.tenant, s.trustedNet = trusted, true
				guard.Authenticated(c.Conn())
				break
			}
		}
	}
	return s, nil
}

func remoteAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

func (b *Backend) reject(reason string) {
	if f := b.cfg.Metrics.Rejected; f != nil {
		f(reason)
	}
}

var errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down, try again later"}

// begin marks a session as inside a transaction; it fails once shutdown
// has started.
func (b *Backend) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shutdown {
		return false
	}
	b.busy++
	return true
}

func (b *Backend) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.busy--
	if b.busy == 0 && b.idle != nil {
		close(b.idle)
		b.idle = nil
	}
}

func (b *Backend) isShuttingDown() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.shutdown
}

// Drain refuses new transactions (421) and waits until every transaction in
// progress has finished (its DATA answered) or ctx ends. Call it after the
// listener stops accepting and before closing the connections and the
// spool.
func (b *Backend) Drain(ctx context.Context) error {
	b.mu.Lock()
	b.shutdown = true
	if b.busy == 0 {
		b.mu.Unlock()
		return nil
	}
	if b.idle == nil {
		b.idle = make(chan struct{})
	}
	idle := b.idle
	b.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("submit: drain: %w", ctx.Err())
	}
}

// ServerLog adapts a slog.Logger to go-smtp's Server.ErrorLog, so the
// library's own log lines come out as structured JSON like the rest.
func ServerLog(l *slog.Logger) smtp.Logger { return slogAdapter{l} }

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) {
	a.l.Warn("smtp server", "msg_text", fmt.Sprintf(format, v...))
}
func (a slogAdapter) Println(v ...any) { a.l.Warn("smtp server", "msg_text", fmt.Sprint(v...)) }
