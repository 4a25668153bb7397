package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/internal/clock"
	"sluice/mta/guard"
	"sluice/queue"
)

// Tokens opens the mailbox tokens in VERP and mailto-unsubscribe local
// parts ("b.<token>", "u.<token>").
type Tokens interface {
	OpenBounce(token string) (id queue.ID, idx uint32, ok bool)
	OpenUnsubscribe(token string) (id queue.ID, idx uint32, ok bool)
}

// Inbox stores accepted returns durably (queue.Store).
type Inbox interface {
	AddReturn(ctx context.Context, r *queue.Return) error
}

// inboxSizer is an Inbox that can tell how many bytes wait in it
// (queue.Store): the MX then refuses new returns over
// ServerConfig.MaxInboxBytes.
type inboxSizer interface {
	InboxBytes() (int64, error)
}

// ServerConfig configures the inbound MX backend.
type ServerConfig struct {
	Hostname string
	// Domains are the bounce / feedback-loop domains this MX accepts mail
	// for; everything else is refused (no relay).
	Domains []string
	// FBLLocalParts are local parts that receive feedback-loop reports
	// ("fbl", "arf"…) at any of Domains.
	FBLLocalParts []string
	Tokens        Tokens
	Inbox         Inbox
	Logger        *slog.Logger
	Now           func() time.Time
	// Accepted is called after a return is stored (to wake the worker).
	Accepted func()
	// TLSConfig, when set, makes the MX offer STARTTLS (RFC 3207) with
	// its certificates, so returns (which quote the mail they return)
	// can travel encrypted; nil offers none.
	TLSConfig *tls.Config
	// MaxCommands caps the command lines a client sends between two
	// accepted messages (and before the first): NOOP, RSET, VRFY and
	// HELP floods get 421 4.7.0 and the close (default
	// DefaultMaxCommands; negative: no cap). It applies through the
	// guard listener the MX is served on (guard.LimitCommands, from the
	// first EHLO; a guard.ListenerConfig.MaxCommands counts from the
	// first line and wins).
	MaxCommands int
	// MaxMessages caps the messages accepted on one connection; the MAIL
	// after them gets 421 4.7.0 and the close, and the client reconnects
	// (default DefaultMaxMessages; negative: no cap).
	MaxMessages int
	// MaxRecipients caps the RCPTs of one transaction (452 4.5.3 past
	// it; RFC 5321 §4.5.3.1.10) and is advertised as LIMITS RCPTMAX
	// (RFC 9422). A return is stored once per recipient: a stranger's
	// one 10 MiB message to 50 spellings of fbl@ and postmaster@ was
	// 500 MB of spool. Returns come one recipient to a message (a DSN
	// to its VERP address, a report to fbl@). Default
	// DefaultMaxRecipients.
	MaxRecipients int
	// MaxInboxBytes: while more bytes of returns than this wait to be
	// processed, MAIL gets 452 4.3.1 and the sender retries later (real
	// MTAs do): a stranger sending returns faster than the worker
	// classifies them would otherwise fill the disk the outgoing mail
	// shares. Default DefaultMaxInboxBytes; negative: no cap. Needs an
	// Inbox that counts its bytes (queue.Store does).
	MaxInboxBytes int64
}

// The inbound MX's defaults for ServerConfig.MaxCommands and MaxMessages.
// A message takes about 15 command lines at most here (EHLO, STARTTLS,
// EHLO, MAIL, 10 RCPT, DATA) and a BDAT client one more line per chunk,
// so 1,000 lines between messages leave a real MTA a wide margin (10
// MiB in chunks of 10 KiB) while bounding a flood (20,000 pipelined
// NOOPs were answered); Postfix cuts after 100 junk commands
// (smtpd_junk_command_limit). 1,000 messages per connection is Exim's
// smtp_accept_max_per_connection.
const (
	DefaultMaxCommands = 1000
	DefaultMaxMessages = 1000
	// DefaultMaxRecipients is ServerConfig.MaxRecipients when 0.
	DefaultMaxRecipients = 10
	// DefaultMaxInboxBytes is ServerConfig.MaxInboxBytes when 0: a
	// hundred 10 MiB returns, far above what a healthy worker leaves
	// waiting.
	DefaultMaxInboxBytes = 1 << 30
)

// roleKeep is how much of a message to a role mailbox (postmaster,
// abuse) or to a mailto unsubscribe address is stored: the worker reads
// only its header (the subject it logs) or nothing at all (the
// unsubscribe is its address), so a large body must not cost spool.
const roleKeep = 64 << 10

// Backend is the go-smtp backend of the inbound MX. It answers quickly:
// RCPT checks only the domain and the token's signature; DATA stores the
// message in the durable inbox and answers 250 after the fsync. The
// classification happens later, in the Worker.
type Backend struct{ cfg ServerConfig }

var _ smtp.Backend = (*Backend)(nil)

// NewBackend builds the backend.
func NewBackend(cfg ServerConfig) *Backend {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.MaxCommands == 0 {
		cfg.MaxCommands = DefaultMaxCommands
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = DefaultMaxMessages
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.MaxInboxBytes == 0 {
		cfg.MaxInboxBytes = DefaultMaxInboxBytes
	}
	return &Backend{cfg: cfg}
}

// NewServer returns the inbound go-smtp server.
func (b *Backend) NewServer(log smtp.Logger) *smtp.Server {
	s := smtp.NewServer(b)
	s.Domain = b.cfg.Hostname
	s.MaxMessageBytes = 10 << 20
	s.MaxRecipients = b.cfg.MaxRecipients
	s.ReadTimeout, s.WriteTimeout = 2*time.Minute, 2*time.Minute
	s.EnableSMTPUTF8 = true
	s.ErrorLog = log
	s.TLSConfig = b.cfg.TLSConfig
	return s
}

// NewSession starts an inbound session; no authentication: this is an MX.
// It sets the connection's command budget (guard.LimitCommands).
func (b *Backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	nc := c.Conn()
	guard.LimitCommands(nc, b.cfg.MaxCommands)
	return &session{b: b, conn: nc}, nil
}

var (
	errRelay   = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}
	errNoUser  = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	errStore   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error in processing, try again later"}
	errTooLong = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too big"}
	// RFC 5321 §3.8: 421 and close; 4.7.0, a policy status (RFC 3463).
	errTooManyMessages = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many messages in one connection, closing connection"}
	errInboxFull = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Too many returns waiting to be processed, try again later"}
)

type session struct {
	b        *Backend
	conn     net.Conn // under go-smtp's: the guard's, if any
	accepted int      // messages accepted on this connection
	from     string
	rcpts    []string
}

func (s *session) Reset() { s.from, s.rcpts = "", nil }

// add records an accepted recipient once: the same mailbox written
// twice (any case, a trailing dot) is stored once, and so are the
// feedback-loop mailboxes of all our domains (a report is read the same
// whichever of them got it: its tokens say whose it is).
func (s *session) add(to string) {
	k := s.b.rcptKey(to)
	for _, r := range s.rcpts {
		if s.b.rcptKey(r) == k {
			return
		}
	}
	s.rcpts = append(s.rcpts, to)
}

// rcptKey is what add compares: "fbl" for any feedback-loop mailbox, else
// the address in lower case without a trailing dot.
func (b *Backend) rcptKey(to string) string {
	if local, _, ok := splitAddr(to); ok && b.fbl(local) {
		return "fbl"
	}
	return strings.ToLower(strings.TrimSuffix(to, "."))
}
func (s *session) Logout() error { return nil }

// Mail starts a transaction, unless the connection has had MaxMessages:
// then the client gets 421 and the connection ends after it.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if max := s.b.cfg.MaxMessages; max > 0 && s.accepted >= max {
		guard.Hangup(s.conn)
		return errTooManyMessages
	}
	if s.b.inboxFull() {
		return errInboxFull
	}
	s.from = from
	return nil
}

// inboxFull reports whether more than MaxInboxBytes of returns wait in
// the inbox (a count that fails is no reason to refuse).
func (b *Backend) inboxFull() bool {
	sz, ok := b.cfg.Inbox.(inboxSizer)
	if !ok || b.cfg.MaxInboxBytes < 0 {
		return false
	}
	n, err := sz.InboxBytes()
	if err != nil {
		b.cfg.Logger.Warn("inbound: counting the inbox failed", "err", err)
		return false
	}
	if n > b.cfg.MaxInboxBytes {
		b.cfg.Logger.Warn("inbound: inbox full: returns refused for now", "bytes", n, "max", b.cfg.MaxInboxBytes)
		return true
	}
	return false
}

// Rcpt accepts only our domains, and there only a valid b./u. token, a
// feedback-loop mailbox or a role mailbox (postmaster, abuse); and the
// unqualified "postmaster", which RFC 5321 §4.5.1 requires every SMTP
// server to accept (case-insensitively).
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.EqualFold(to, "postmaster") {
		s.add(to)
		return nil
	}
	local, domain, ok := splitAddr(to)
	if !ok || !s.b.ours(domain) {
		return errRelay
	}
	switch {
	case hasPrefixFold(local, "b."):
		if _, _, ok := s.b.cfg.Tokens.OpenBounce(local[2:]); !ok {
			return errNoUser
		}
	case hasPrefixFold(local, "u."):
		if _, _, ok := s.b.cfg.Tokens.OpenUnsubscribe(local[2:]); !ok {
			return errNoUser
		}
	case !s.b.fbl(local) && !roleMailbox(local):
		return errNoUser
	}
	s.add(to)
	return nil
}

// Data stores the return once per recipient address and answers after the
// fsync, so a crash loses no accepted return.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return errTooLong
		}
		return err
	}
	for _, rcpt := range s.rcpts {
		ret := &queue.Return{From: s.from, Rcpt: rcpt, Received: s.b.cfg.Now(), Data: s.b.kept(rcpt, data)}
		if err := s.b.cfg.Inbox.AddReturn(context.Background(), ret); err != nil {
			s.b.cfg.Logger.Error("inbound: storing return failed", "err", err)
			return errStore
		}
	}
	s.accepted++
	guard.Progress(s.conn) // the command budget starts again
	if f := s.b.cfg.Accepted; f != nil {
		f()
	}
	return nil
}

// kept is what is stored of data for rcpt: at most roleKeep bytes for a
// role mailbox or a mailto unsubscribe (whose returns the worker does not
// classify), all of it for the rest.
func (b *Backend) kept(rcpt string, data []byte) []byte {
	local, _, _ := splitAddr(rcpt)
	role := strings.EqualFold(rcpt, "postmaster") || roleMailbox(local) && !b.fbl(local) || hasPrefixFold(local, "u.")
	if role && len(data) > roleKeep {
		return data[:roleKeep]
	}
	return data
}

func (b *Backend) ours(domain string) bool {
	for _, d := range b.cfg.Domains {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

func (b *Backend) fbl(local string) bool {
	for _, l := range b.cfg.FBLLocalParts {
		if strings.EqualFold(l, local) {
			return true
		}
	}
	return false
}

// roleMailbox reports whether local is postmaster (RFC 5321 §4.5.1: every
// domain that accepts mail accepts it) or abuse (RFC 2142 §2), the role
// mailboxes of the bounce domains. Their mail is stored and logged by the
// worker as unattributed: it never changes any recipient's state, whatever
// tokens it holds (see Worker.roleMail). A local part configured as a
// feedback-loop mailbox is one (ISPs that send reports to abuse@).
func roleMailbox(local string) bool {
	return strings.EqualFold(local, "postmaster") || strings.EqualFold(local, "abuse")
}

func splitAddr(a string) (local, domain string, ok bool) {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return "", "", false
	}
	return a[:at], strings.TrimSuffix(a[at+1:], "."), true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
