package submit

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluice/mta/guard"
	"sluice/queue"
)

// Session is one submission SMTP session. go-smtp calls its methods from
// the connection's goroutine, one at a time.
type Session struct {
	b          *Backend
	conn       *smtp.Conn
	remote     netip.Addr
	tls        bool
	tenant     *Tenant
	trustedNet bool
	// ag throttles this session's AUTH attempts (nil: no throttle).
	ag   *guard.Session
	user string
	// userHash is the credential's password hash when AUTH succeeded:
	// a MAIL after it changed (a password rotated under the same
	// username) closes the session (recheckCredentials).
	userHash string
	// counted is the tenant whose session cap this session holds a place
	// under (nil: none, as for trusted networks).
	counted *Tenant

	from     string
	fromUTF8 bool
	rcpts    []string
	// mktSupp holds recipients suppressed for marketing mail only: they
	// are dropped after DATA if the message turns out to be marketing.
	mktSupp map[string]string
	// canon holds the accepted recipients' canonical forms
	// (queue.NormalizeAddr), so that a mailbox listed twice in one
	// transaction is one recipient (Rcpt); nil until a second recipient.
	canon map[string]struct{}
	inTxn bool
	// sizeHint is MAIL's SIZE= (RFC 1870), 0 if none: the read buffer
	// grows to it instead of doubling all the way (readDataHeld).
	sizeHint int64
	// held is what this session's message holds of the process-wide
	// message memory budget (membudget.go).
	held int64
}

var (
	_ smtp.Session     = (*Session)(nil)
	_ smtp.AuthSession = (*Session)(nil)
)

// Replies. RFC 3463 enhanced codes; texts never carry internals.
var (
	errAuthRequired     = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errTLSRequired      = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	errAuthFailed       = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	errSender           = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Sender address not allowed for this account"}
	errTooLarge         = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too big for this account"}
	errTooManyRcpts     = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
	errDiskFull         = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Insufficient system storage, try again later"}
	errStore            = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error in processing, try again later"}
	errUnsignable       = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message needs exactly one valid From header"}
	errPool             = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: PoolHeader + " names a pool this account may not use"}
	errBadStream        = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: StreamHeader + " must be marketing or transactional"}
	errStreamNotAllowed = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "This account may not send transactional mail (" + StreamHeader + ": transactional); send it as marketing or ask the operator"}
	errBadPriority = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: PriorityHeader + " must be high, normal or low"}
)

func (s *Session) mayAuth() bool {
	return s.tls || (s.b.cfg.AllowPlaintextAuthOnLoopback && s.remote.IsLoopback())
}

// AuthMechanisms lists PLAIN and LOGIN once the session may authenticate
// (after STARTTLS, or on loopback when allowed); before that EHLO offers no
// AUTH at all (RFC 4954 §4: no plaintext mechanisms without TLS).
func (s *Session) AuthMechanisms() []string {
	if !s.mayAuth() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth starts a SASL exchange.
func (s *Session) Auth(mech string) (sasl.Server, error) {
	if !s.mayAuth() {
		s.b.reject("auth_required")
		return nil, errTLSRequired
	}
	check := func(username, password string) error {
		var att *guard.Attempt
		acquire := func() (func(), error) { return func() {}, nil }
		if s.ag != nil {
			// Failure throttling per address and per (username,
			// address): delays, then temporary refusal; never a
			// lockout of a username from everywhere. A password the
			// credential cache already holds is no guess: the
			// address's lock (a spray from a shared NAT address) does
			// not refuse it.
			begin := s.ag.Begin
			if s.b.auth.known(username, password) {
				begin = s.ag.BeginKnown
			}
			a, err := begin(context.Background(), username)
			if err != nil {
				return s.authRefused(err)
			}
			att, acquire = a, a.Acquire
		}
		t, err := s.b.auth.check(username, password, acquire)
		if _, refused := guard.IsRefusal(err); refused {
			att.Abandon()
			return s.authRefused(err)
		}
		if err != nil {
			s.b.reject("auth_failed")
			s.b.log.Warn("submission auth failed", "remote", s.remote.String(), "user", sanitize(username))
			if att != nil {
				if err := att.Failed(); err != nil {
					return s.authRefused(err)
				}
			}
			return errAuthFailed
		}
		if att != nil {
			att.Succeeded()
		}
		if s.counted != nil {
			s.b.closeTenantSession(s.counted)
			s.counted = nil
		}
		if !s.b.openTenantSession(t) {
			s.b.reject("tenant_sessions")
			s.b.log.Warn("submission session cap reached", "tenant", t.Name, "remote", s.remote.String(),
				"max", s.b.maxSessions(t))
			if guard.Hangup(s.conn.Conn()) {
				return errTenantSessionsClose
			}
			return errTenantSessions
		}
		s.counted = t
		guard.Authenticated(s.conn.Conn()) // out of the pre-auth caps and timeout
		s.tenant, s.user = t, username
		_, s.userHash, _ = s.b.auth.lookup(username)
		return nil
	}
	switch asciiUpper(mech) {
	case sasl.Plain:
		return saslSyntax{s.b, sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				s.b.reject("auth_failed")
				return errAuthFailed
			}
			return check(username, password)
		})}, nil
	case sasl.Login:
		return saslSyntax{s.b, &loginServer{auth: check}}, nil
	}
	s.b.reject("bad_auth")
	return nil, errAuthMechanism
}

// authRefused answers a throttled AUTH: 454 4.7.0, or 421 4.7.0 and the
// connection closed after the reply when the guard hangs up.
func (s *Session) authRefused(err error) error {
	r, ok := guard.IsRefusal(err)
	if !ok {
		return errAuthFailed
	}
	if r.Hangup {
		guard.Hangup(s.conn.Conn())
	}
	s.b.reject("auth_throttled")
	return r.SMTPError()
}

// Mail starts a transaction. Only authenticated tenants (or trusted
// networks) may send, and only from their own domains: no open relay.
func (s *Session) Mail(from string, opts *smtp.MailOptions) error {
	if s.tenant == nil {
		s.b.reject("auth_required")
		return errAuthRequired
	}
	if err := s.recheckCredentials(); err != nil {
		return err
	}
	utf8On := opts != nil && opts.UTF8
	if r := refuseSender[checkAddressBytes(from, utf8On)]; r != nil {
		return s.b.refuse(r)
	}
	// The null reverse-path is left to the sender-domain check (no
	// tenant may send bounces through submission).
	if prob := mailboxProblem(from); from != "" && prob != probNone {
		return s.b.refuse(senderSyntax(prob))
	}
	if !s.tenant.MaySend(from) || s.b.claimedElsewhere(s.tenant, from, false) {
		s.b.reject("sender_domain")
		return s.tenant.senderRefusal(from)
	}
	if opts != nil && opts.Size > 0 && opts.Size > s.maxBytes() {
		s.b.reject("too_large")
		return errTooLarge
	}
	// Last, so that only a transaction that could go on uses the
	// tenant's rate.
	if err := s.checkLimit(); err != nil {
		return err
	}
	if !s.inTxn {
		if !s.b.begin() {
			s.b.reject("shutting_down")
			return errShuttingDown
		}
		s.inTxn = true
	}
	s.from = from
	s.fromUTF8 = utf8On
	s.sizeHint = 0
	if opts != nil {
		s.sizeHint = opts.Size
	}
	s.rcpts, s.mktSupp, s.canon = s.rcpts[:0], nil, nil
	return nil
}

// errCredentialsGone answers MAIL on a session whose credentials were
// revoked (or whose tenant was disabled or removed) since its AUTH; the
// connection is closed after it, and a client with valid credentials
// reconnects.
var errCredentialsGone = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
	Message: "Credentials no longer valid, closing connection"}

// recheckCredentials looks the session's username up again at each MAIL:
// a credential revoked, or a tenant disabled or removed by a reload,
// stops an open session too, not only the next AUTH. Sessions stay open
// for as long as a client keeps sending, so a stolen credential the
// operator revoked went on sending over its open connection (redteam3).
// A tenant changed by a reload applies from this message on.
func (s *Session) recheckCredentials() error {
	if s.user == "" {
		return nil // a trusted network's session: no credentials
	}
	t, hash, ok := s.b.auth.lookup(s.user)
	if ok && t.Name == s.tenant.Name && hash == s.userHash {
		s.tenant = t
		return nil
	}
	s.b.reject("credentials_revoked")
	s.b.log.Warn("submission credentials no longer valid: session closed", "tenant", s.tenant.Name,
		"user", sanitize(s.user), "remote", s.remote.String())
	guard.Hangup(s.conn.Conn())
	return errCredentialsGone
}

func (s *Session) maxBytes() int64 {
	if s.tenant != nil && s.tenant.MaxMessageBytes > 0 && s.tenant.MaxMessageBytes < s.b.cfg.MaxMessageBytes {
		return s.tenant.MaxMessageBytes
	}
	return s.b.cfg.MaxMessageBytes
}

func (s *Session) maxRcpts() int {
	if s.tenant != nil && s.tenant.MaxRecipients > 0 && s.tenant.MaxRecipients < s.b.cfg.MaxRecipients {
		return s.tenant.MaxRecipients
	}
	return s.b.cfg.MaxRecipients
}

// Rcpt adds a recipient. Any domain is fine (this is submission: relaying
// for an authenticated tenant is the point), within the tenant's limit.
func (s *Session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.tenant == nil {
		s.b.reject("auth_required")
		return errAuthRequired
	}
	// The bytes first, for a reply that says what is wrong with them;
	// SMTPUTF8 is what the client declared on this transaction's MAIL.
	if r := refuseRcpt[checkAddressBytes(to, s.fromUTF8)]; r != nil {
		return s.b.refuse(r)
	}
	if prob := rcptProblem(to); prob != probNone {
		return s.b.refuse(rcptSyntax(prob))
	}
	canon, dup := s.repeated(to)
	if dup {
		return nil
	}
	if max := s.maxRcpts(); max > 0 && len(s.rcpts) >= max {
		s.b.reject("too_many_recipients")
		return errTooManyRcpts
	}
	if sp := s.b.cfg.Suppressions; sp != nil {
		if sup, ok := sp.Suppressed(s.tenant.Name, to); ok {
			if sup.Scope == queue.ScopeAll {
				s.b.reject("suppressed")
				return suppressedError(sup.Reason)
			}
			if s.mktSupp == nil {
				s.mktSupp = map[string]string{}
			}
			s.mktSupp[to] = sup.Reason
		}
	}
	s.rcpts = append(s.rcpts, to)
	if s.canon != nil {
		s.canon[canon] = struct{}{}
	}
	return nil
}

// repeated reports whether to is a mailbox this transaction has accepted
// already in some spelling (case, a trailing dot, the U-label or A-label
// domain, NFD: queue.NormalizeAddr), logging it. RCPT answers such a
// duplicate 250 and keeps one recipient: nothing in RFC 5321 makes a
// server deliver one copy per RCPT of the same mailbox (Postfix and Exim
// collapse duplicates silently in the same way), and each copy
// would be another delivery, another VERP token and another return
// counted against the tenant's reputation for one mailbox. canon is to's
// canonical form, for Rcpt to remember once it accepts to (a recipient it
// refuses must not make a later spelling of it a silent duplicate).
func (s *Session) repeated(to string) (canon string, dup bool) {
	if len(s.rcpts) == 0 {
		return "", false // the first: nothing to compare, nothing computed
	}
	if s.canon == nil {
		s.canon = make(map[string]struct{}, 2*len(s.rcpts))
		for _, r := range s.rcpts {
			s.canon[queue.NormalizeAddr(r)] = struct{}{}
		}
	}
	canon = queue.NormalizeAddr(to)
	if _, dup = s.canon[canon]; dup {
		s.b.log.Info("recipient repeated in one transaction: kept once", "tenant", s.tenant.Name, "rcpt", to)
	}
	return canon, dup
}

// suppressedError is the RCPT reply for a suppressed address. The reason
// is one of a fixed set of class names, never free text.
func suppressedError(reason string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Recipient suppressed for this account (" + sanitize(reason) + ")"}
}

// Data reads, prepares, signs and durably queues the message, then answers
// "250 2.0.0 queued as <id>" — only after the spool's fsync.
func (s *Session) Data(r io.Reader) error {
	if s.tenant == nil || len(s.rcpts) == 0 {
		return errAuthRequired
	}
	limit := s.maxBytes()
	defer s.releaseHeld()
	raw, err := s.b.readDataHeld(r, limit+1, s.sizeHint, s.hold)
	defer s.b.putData(raw)
	if err = s.checkData(raw, err, limit); err != nil {
		return err
	}
	b := s.b
	start := time.Now() // latency: the end of the data to the 250
	now := b.cfg.Now()
	id := b.cfg.Spool.NewID()
	ri := s.receivedInfo(id, now)
	c, bad := conformMessage(raw)
	if bad != nil {
		return b.refuse(bad)
	}
	// The prepared copy; the raw buffer stays held until the answer (it
	// goes back to the pool then).
	if !s.hold(int64(len(c.msg)) + 1024 + int64(s.signRoom())) {
		return errDataMemory
	}
	p := c.prepare(ri, s.signRoom())
	pool, err := s.checkPrepared(id, &p)
	if err != nil {
		return err
	}
	rcpts, err := s.streamRecipients(id, p.stream)
	if err != nil {
		return err
	}
	var flags uint8
	// RFC 6531 §3.4: UTF-8 addresses, or header fields in raw UTF-8 (RFC
	// 6532), with or without the SMTPUTF8 parameter on MAIL: delivery
	// then refuses servers without the extension (5.6.7).
	if hdr, _ := splitHeader(p.msg); s.fromUTF8 || !isASCII(s.from) || !allASCII(rcpts) || hasHighBit(hdr) {
		flags |= queue.FlagSMTPUTF8
	}
	msgs, err := s.build(c, ri, p, id, rcpts, flags)
	if err != nil {
		return err
	}
	prio := s.tenant.Priority
	if p.prioritySet {
		prio = queue.LowerPriority(p.priority, s.tenant.Priority)
	}
	for _, m := range msgs {
		m.Pool, m.Campaign, m.Priority = pool, p.campaign, prio
	}
	if err := s.enqueue(id, msgs); err != nil {
		return err
	}
	s.accepted()
	s.reportQueued(msgs, p)
	if f := b.cfg.Metrics.Latency; f != nil {
		f(time.Since(start))
	}
	return queuedReply(id, len(msgs))
}

// checkData checks what readData returned (raw, err) against the
// session's size limit and the line limit, counting refusals. A nil
// result lets the message through; an error that is no *smtp.SMTPError
// means the connection failed and no reply will be read.
func (s *Session) checkData(raw []byte, err error, limit int64) error {
	if err != nil {
		var se *smtp.SMTPError
		switch {
		case errors.As(err, &se):
			if se == smtp.ErrDataTooLarge {
				s.b.reject("too_large")
			}
			return se
		case errors.Is(err, smtp.ErrTooLongLine):
			// go-smtp closes the connection after this reply (the rest
			// of the line would be read as commands).
			return s.b.lineTooLong()
		}
		return err
	}
	if int64(len(raw)) > limit {
		s.b.reject("too_large")
		return errTooLarge
	}
	// go-smtp enforces the line limit while reading DATA but lifts it for
	// BDAT chunks (RFC 3030 CHUNKING, which it always offers): chunks are
	// counted octets, so a BDAT message could otherwise carry lines of any
	// length. Measured here, on what was read, the limit holds for both
	// (after DATA it finds at most go-smtp's own off-by-one: its reader
	// lets the first line have one octet more).
	if lineOver(raw, s.b.maxLine()) {
		return s.b.lineTooLong()
	}
	return nil
}

// receivedInfo gathers what the Received field (RFC 5321 §4.4) records
// about this session for the message id, received at now.
func (s *Session) receivedInfo(id queue.ID, now time.Time) receivedInfo {
	ri := receivedInfo{
		helo: s.conn.Hostname(), remoteIP: remoteText(s.remote), hostname: s.b.cfg.Hostname,
		id: id.String(), protocol: s.protocol(), user: s.user, date: now,
	}
	if st, ok := s.conn.TLSConnectionState(); ok {
		ri.tls = tls.VersionName(st.Version) + " " + tls.CipherSuiteName(st.CipherSuite)
	}
	if len(s.rcpts) == 1 {
		ri.rcpt = s.rcpts[0]
	}
	return ri
}

// checkPrepared applies the tenant's policy to the prepared message (a
// refusal found while preparing, the header From, the stream, priority
// and pool headers) and returns the pool it goes out from.
func (s *Session) checkPrepared(id queue.ID, p *prepared) (string, error) {
	b := s.b
	if p.bad != nil {
		return "", b.refuse(p.bad)
	}
	// Trusted-network sessions carry their trusted tenant: the same policy.
	r := fromPolicy(s.tenant, p)
	if r == nil {
		r = b.claimedHeader(s.tenant, p)
	}
	if r != nil {
		b.log.Info("message refused: header From", "msgid", id.String(), "tenant", s.tenant.Name, "reason", r.reason)
		return "", b.refuse(r)
	}
	if p.streamBad != "" {
		b.reject("bad_stream")
		return "", errBadStream
	}
	if p.stream == queue.Transactional && s.tenant.NoTransactional {
		b.log.Info("message refused: transactional stream not allowed", "msgid", id.String(), "tenant", s.tenant.Name)
		b.reject("stream_not_allowed")
		return "", errStreamNotAllowed
	}
	if p.priorityBad != "" {
		b.reject("bad_priority")
		return "", errBadPriority
	}
	pool, ok := s.tenant.pool(p.pool)
	if !ok {
		b.reject("pool")
		return "", errPool
	}
	return pool, nil
}

// streamRecipients returns the recipients a message of this stream goes
// to. Those unsubscribed from marketing are dropped from marketing mail,
// and the message is refused if nobody is left; transactional mail goes
// to everyone.
func (s *Session) streamRecipients(id queue.ID, stream queue.Stream) ([]string, error) {
	if stream != queue.Marketing || len(s.mktSupp) == 0 {
		return s.rcpts, nil
	}
	rcpts := make([]string, 0, len(s.rcpts))
	for _, r := range s.rcpts {
		if reason, ok := s.mktSupp[r]; ok {
			s.b.log.Info("recipient dropped: unsubscribed from marketing", "msgid", id.String(), "tenant", s.tenant.Name,
				"rcpt", r, "reason", reason)
			s.b.reject("suppressed")
			continue
		}
		rcpts = append(rcpts, r)
	}
	if len(rcpts) == 0 {
		return nil, suppressedError("unsubscribed from marketing mail")
	}
	return rcpts, nil
}

// enqueue writes the messages to the spool, mapping a failure to the
// reply the client sees (a full disk is 452 4.3.1, RFC 3463 §3.4).
func (s *Session) enqueue(id queue.ID, msgs []*queue.Message) error {
	// The spool answers only after the commit holding these messages is
	// fsync'd; a cancelled context cannot make it report a durable write
	// as failed.
	err := s.b.cfg.Spool.Enqueue(context.Background(), msgs...)
	if err == nil {
		return nil
	}
	s.b.log.Error("queue write failed", "msgid", id.String(), "tenant", s.tenant.Name, "err", err)
	if errors.Is(err, queue.ErrDiskFull) {
		s.b.reject("disk_full")
		return errDiskFull
	}
	s.b.reject("store")
	return errStore
}

// reportQueued counts and logs each queued message.
func (s *Session) reportQueued(msgs []*queue.Message, p prepared) {
	b := s.b
	for _, m := range msgs {
		if f := b.cfg.Metrics.Accepted; f != nil {
			f(s.tenant.Name, len(m.Body), len(m.Rcpts))
		}
		if f := b.cfg.Metrics.Queued; f != nil {
			f(m, p.campaign)
		}
		b.log.Info("message queued", "msgid", m.ID.String(), "tenant", s.tenant.Name, "rcpts", len(m.Rcpts),
			"bytes", len(m.Body), "stream", p.stream.String(), "campaign", p.campaign)
	}
}

// queuedReply is the answer to an accepted message: go-smtp answers a nil
// error with a fixed "250 2.0.0 OK: queued"; a 250 SMTPError is how a
// backend says which id it queued.
func queuedReply(id queue.ID, n int) *smtp.SMTPError {
	text := "queued as " + id.String()
	if n > 1 {
		text += fmt.Sprintf(" (and %d more, one per recipient)", n-1)
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: text}
}

// build turns the prepared submission into spool messages: one for all
// recipients, or one per recipient when the tenant's tracker rewrites
// (per-recipient tokens). Each is signed after rewriting, so the signature
// covers the final bytes. The copies are bounded (membudget.go): by
// MaxCopyBytes for this message, 552 5.3.4 before any is built beyond the
// first, and each held in the process-wide budget, 452 4.3.1 when it
// stays full.
func (s *Session) build(c conformedMsg, ri receivedInfo, p prepared, id queue.ID, rcpts []string, flags uint8) ([]*queue.Message, error) {
	b := s.b
	mk := func(id queue.ID, body, room []byte, rcpts []string, eightBit bool) (*queue.Message, error) {
		body, err := s.sign(id, body, room)
		if err != nil {
			return nil, err
		}
		f := flags
		if eightBit {
			f |= queue.FlagEightBit
		}
		return &queue.Message{ID: id, Tenant: s.tenant.Name, From: s.from, Rcpts: append([]string(nil), rcpts...),
			Stream: p.stream, Flags: f, Created: ri.date, Body: body}, nil
	}
	one := func() ([]*queue.Message, error) {
		m, err := mk(id, p.msg, p.room, rcpts, p.eightBit)
		if err != nil {
			return nil, err
		}
		return []*queue.Message{m}, nil
	}
	tr := s.tenant.Tracker
	if tr == nil {
		return one()
	}
	msgs := make([]*queue.Message, 0, len(rcpts))
	for i, rcpt := range rcpts {
		pi, idi := p, id
		if i > 0 {
			idi = b.cfg.Spool.NewID()
			rii := ri
			rii.id, rii.rcpt = idi.String(), rcpt
			pi = c.prepare(rii, 0)
		} else if len(rcpts) > 1 {
			ri0 := ri
			ri0.rcpt = rcpt
			pi = c.prepare(ri0, 0)
		}
		out, changed, err := tr.Track(s.tenant.Name, idi, rcpt, p.stream, pi.msg)
		if err != nil {
			b.log.Error("tracking rewrite failed", "msgid", idi.String(), "tenant", s.tenant.Name, "err", err)
			b.reject("store")
			return nil, errStore
		}
		if changed {
			// Rewritten links can lengthen a line past 998 octets.
			var bad *refusal
			if out, _, bad = conform(out); bad != nil {
				return nil, b.refuse(bad)
			}
		}
		if i == 0 && !changed {
			return one() // nothing per recipient: one message for everyone
		}
		if i == 0 {
			if err := s.checkCopies(id, int64(len(out)), len(rcpts)); err != nil {
				return nil, err
			}
		}
		m, err := mk(idi, out, nil, []string{rcpt}, pi.eightBit || hasHighBit(out))
		if err != nil {
			return nil, err
		}
		if !s.hold(int64(len(m.Body))) {
			return nil, errDataMemory
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// checkCopies refuses, 552 5.3.4, a message whose n per-recipient copies
// of about size bytes each would exceed MaxCopyBytes, before they are
// built: no wait would make them fit.
func (s *Session) checkCopies(id queue.ID, size int64, n int) error {
	max := s.b.maxCopies
	if n <= 1 || max <= 0 || size*int64(n) <= max {
		return nil
	}
	s.b.reject("copies_too_large")
	s.b.log.Info("message refused: per-recipient copies over max_copy_bytes", "msgid", id.String(),
		"tenant", s.tenant.Name, "bytes", size, "rcpts", n, "max", max)
	return copiesTooLarge(max / size)
}

// signRoom is the space prepare leaves before the message for the
// DKIM-Signature fields: what the tenant's signer says a message with each
// signed field once needs (messages that repeat fields are signed into a
// copy).
func (s *Session) signRoom() int {
	if s.tenant.Signer == nil {
		return 0
	}
	return s.tenant.Signer.FieldsLen()
}

// sign prepends the tenant's DKIM signatures: into room, msg's backing
// array with free space before it, when given and large enough, else into
// a copy.
func (s *Session) sign(id queue.ID, msg, room []byte) ([]byte, error) {
	b := s.b
	signer := s.tenant.Signer
	if signer == nil {
		return msg, nil
	}
	fields, signed, err := signer.Sign(msg)
	if bad := s.unsignedRefusal(id, err); bad != nil {
		return nil, bad
	}
	if err != nil {
		// The signer refuses only messages it cannot sign correctly:
		// no From, two From fields, an unparsable From.
		b.log.Warn("message refused: cannot sign", "msgid", id.String(), "tenant", s.tenant.Name, "err", err)
		b.reject("unsignable")
		return nil, errUnsignable
	}
	// fields may hold the ESP signature even when no key of the From
	// domain matched (signed is false then).
	switch free := len(room) - len(msg); {
	case len(fields) == 0:
	case room != nil && len(fields) <= free:
		start := free - len(fields)
		copy(room[start:], fields)
		msg = room[start:]
	default:
		msg = append(fields, msg...)
	}
	if f := b.cfg.Metrics.Unsigned; !signed && f != nil {
		f(s.tenant.Name)
	}
	return msg, nil
}

// protocol names the Received "with" clause (RFC 3848).
func (s *Session) protocol() string {
	_, tlsOn := s.conn.TLSConnectionState()
	switch {
	case tlsOn && s.user != "":
		return "ESMTPSA"
	case tlsOn:
		return "ESMTPS"
	case s.user != "":
		return "ESMTPA"
	}
	return "ESMTP"
}

// Reset ends the transaction (RSET, or after DATA).
func (s *Session) Reset() {
	s.from, s.rcpts, s.mktSupp, s.canon = "", s.rcpts[:0], nil, nil
	if s.inTxn {
		s.inTxn = false
		s.b.end()
	}
}

// Logout ends the session.
func (s *Session) Logout() error {
	s.Reset()
	if s.counted != nil {
		s.b.closeTenantSession(s.counted)
		s.counted = nil
	}
	s.b.sessions.Add(-1)
	if f := s.b.cfg.Metrics.SessionClosed; f != nil {
		f()
	}
	return nil
}

// remoteText is the client's address for the Received field: "unknown"
// when there is none (a PROXY LOCAL or UNKNOWN connection, mta/guard).
func remoteText(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !isASCII(s) {
			return false
		}
	}
	return true
}
