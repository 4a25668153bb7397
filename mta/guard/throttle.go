package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/internal/clock"
)

// ThrottleConfig configures a [Throttle]. Zero fields take the defaults
// given.
type ThrottleConfig struct {
	// FreeFailures are the failures a (username, address) pair may have
	// before its attempts are delayed (default 3: typos are free);
	// AddrFreeFailures the same for an address across usernames (default
	// 10: a success resets the pair, not the address, and an office
	// behind one NAT address shares it).
	FreeFailures, AddrFreeFailures int
	// BaseDelay is the wait before the first delayed attempt; it doubles
	// with each further failure up to MaxDelay (defaults 1s and 16s).
	BaseDelay, MaxDelay time.Duration
	// PairLimit is the failures of one (username, address) pair, and
	// AddrLimit those of one address across usernames, that lock the key
	// for LockFor (defaults 10, 30, 10m). A username alone is never
	// locked: that would let anyone lock a tenant out.
	PairLimit, AddrLimit int
	LockFor              time.Duration
	// Forget is how long after its last failure a key's record is dropped
	// (default 1h; never less than LockFor).
	Forget time.Duration
	// RememberSuccess is how long after a successful login a (username,
	// address) pair is exempt from its address's lock (default 24h): the
	// pair is then delayed as the address earned, never refused by it, so
	// a spray of other usernames from a shared NAT address cannot lock
	// out the tenants behind it. The pair's own record still applies.
	RememberSuccess time.Duration
	// SessionLimit is the failures after which a session is disconnected
	// (default 3).
	SessionLimit int
	// MaxEntries caps each of the tables (addresses, pairs, recent
	// successes); when one is full its oldest entry is evicted (default
	// 100,000).
	MaxEntries int
	// IPv6Prefix groups IPv6 clients (default 64), as the Listener does.
	IPv6Prefix int
	// MaxVerify caps concurrent password verifications (bcrypt) (default
	// max(2, GOMAXPROCS/2), leaving cores for mail); addresses with
	// failures on record may hold at most half of them, so guessing
	// cannot take every slot. VerifyWait bounds the wait for a slot
	// (default 5s); past it the attempt gets a 454.
	MaxVerify  int
	VerifyWait time.Duration
	Now        func() time.Time
	// Sleep waits d or until ctx ends (default: a timer). Tests inject one
	// that returns at once and records d.
	Sleep   func(ctx context.Context, d time.Duration) error
	Logger  *slog.Logger
	Metrics ThrottleMetrics
}

// ThrottleMetrics receives what a Throttle counts. Any field may be nil.
type ThrottleMetrics struct {
	// Delayed is called with each delay imposed before an attempt.
	Delayed func(d time.Duration)
	// Refused is called for each refused attempt, with one of "locked",
	// "concurrent", "busy", "session_limit", "canceled".
	Refused func(reason string)
	// Lockout is called when a key is locked, with "addr" or "pair".
	Lockout func(scope string)
	// Failed is called for each failed verification.
	Failed func()
}

// Throttle decides, per client address and per (username, address), how
// long an AUTH attempt waits and whether it may run at all. Safe for
// concurrent use.
type Throttle struct {
	cfg    ThrottleConfig
	group  grouper
	log    *slog.Logger
	verify *verifySlots

	mu    sync.Mutex
	addrs *table
	pairs *table
	goods *table // pairs with a recent success (count 1), for RememberSuccess
}

// NewThrottle builds a Throttle.
func NewThrottle(cfg ThrottleConfig) (*Throttle, error) {
	g, err := newGrouper(cfg.IPv6Prefix)
	if err != nil {
		return nil, err
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if cfg.FreeFailures < 0 || cfg.AddrFreeFailures < 0 {
		return nil, fmt.Errorf("guard: negative free failures %d/%d", cfg.FreeFailures, cfg.AddrFreeFailures)
	}
	def(&cfg.FreeFailures, 3)
	def(&cfg.AddrFreeFailures, 10)
	def(&cfg.PairLimit, 10)
	def(&cfg.AddrLimit, 30)
	def(&cfg.SessionLimit, 3)
	def(&cfg.MaxEntries, 100_000)
	def(&cfg.MaxVerify, max(2, runtime.GOMAXPROCS(0)/2))
	defd(&cfg.BaseDelay, time.Second)
	defd(&cfg.MaxDelay, 16*time.Second)
	defd(&cfg.LockFor, 10*time.Minute)
	defd(&cfg.Forget, time.Hour)
	defd(&cfg.VerifyWait, 5*time.Second)
	defd(&cfg.RememberSuccess, 24*time.Hour)
	cfg.Forget = max(cfg.Forget, cfg.LockFor) // the tables' expiry order needs it
	cfg.Now = clock.Or(cfg.Now)
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Throttle{
		cfg: cfg, group: g, log: cfg.Logger,
		verify: newVerifySlots(cfg.MaxVerify, cfg.VerifyWait),
		addrs:  newTable(cfg.Forget, cfg.MaxEntries),
		pairs:  newTable(cfg.Forget, cfg.MaxEntries),
		goods:  newTable(cfg.RememberSuccess, cfg.MaxEntries),
	}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Refusal is a throttling decision the session turns into its reply
// (SMTPError) and, when Hangup is set, a disconnect after it.
type Refusal struct {
	// Reason is one of "locked", "concurrent", "busy", "session_limit",
	// "canceled" (the metrics' label values).
	Reason string
	Hangup bool
	reply  *smtp.SMTPError
}

func (r *Refusal) Error() string { return "guard: auth refused: " + r.Reason }

// SMTPError is the reply to send. Texts say nothing about the account:
// the same for a username that exists and one that does not.
func (r *Refusal) SMTPError() *smtp.SMTPError { return r.reply }

// Replies. RFC 4954 §6: 454 4.7.0 is a temporary authentication failure;
// RFC 5321 §3.8: 421 precedes closing the connection.
var (
	replyLocked = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many failed authentication attempts, try again later"}
	replyBusy = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Temporary authentication failure, try again later"}
	replyHangup = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many failed authentication attempts, closing connection"}
)

// refuse builds a Refusal: 421 when the connection is to close (RFC 5321
// §3.8), else 454 (RFC 4954 §6, temporary authentication failure).
func (t *Throttle) refuse(reason string, hangup bool) *Refusal {
	if f := t.cfg.Metrics.Refused; f != nil {
		f(reason)
	}
	reply := replyBusy
	switch {
	case hangup:
		reply = replyHangup
	case reason == "locked":
		reply = replyLocked
	}
	return &Refusal{Reason: reason, Hangup: hangup, reply: reply}
}

// Session is one SMTP session's view of the throttle: the client's
// address and the session's failures (wrong credentials and refusals), so
// that it can be disconnected after SessionLimit of them. Create one per
// session with [Throttle.Session]; go-smtp calls a session's methods one at
// a time, so a Session needs no lock.
type Session struct {
	t        *Throttle
	addrKey  string
	failures int
}

// Session starts the accounting of one SMTP session from addr (the
// client's address: the PROXY one when a guard Listener accepted it).
func (t *Throttle) Session(addr netip.Addr) *Session {
	return &Session{t: t, addrKey: t.group.key(addr).String()}
}

// Attempt is one AUTH attempt between [Session.Begin] and its outcome.
type Attempt struct {
	s          *Session
	ctx        context.Context
	pairKey    string
	user       string // for the lockout log line
	addr, pair *failures
	suspect    bool // the address or pair has failures on record
	done       bool
}

// Begin is called when a client submits credentials for username, before
// they are verified. It waits out the delay the address and pair have
// earned, then lets the attempt go on, or refuses it: a session past its
// limit, locked keys, and a second attempt on a delayed key while one is
// in progress (parallel sessions would otherwise multiply the guessing
// rate). The error is a *Refusal. The decision never depends on whether
// username exists; a pair with a recent success (RememberSuccess) is
// delayed by its address's record but not refused by it.
func (s *Session) Begin(ctx context.Context, username string) (*Attempt, error) {
	return s.begin(ctx, username, false)
}

// BeginKnown is Begin for credentials the caller has already found right
// without a password verification (its credential cache held this very
// password for username). Neither the address's record nor the pair's
// delays or refuses it: the attempt cannot be a guess, and refusing a
// right password protects nothing (the client learns from the 235 what
// it already knew). A session past its failure limit is still refused.
// Call Succeeded when done.
func (s *Session) BeginKnown(ctx context.Context, username string) (*Attempt, error) {
	return s.begin(ctx, username, true)
}

func (s *Session) begin(ctx context.Context, username string, known bool) (*Attempt, error) {
	t := s.t
	if s.failures >= t.cfg.SessionLimit {
		return nil, t.refuse("session_limit", true)
	}
	a := &Attempt{s: s, ctx: ctx, user: username}
	// Hostile input bounds the key's size; a longer name cannot belong to
	// a tenant (usernames are configured), and truncation keeps its count.
	if len(username) > 256 {
		username = username[:256]
	}
	a.pairKey = s.addrKey + "\x00" + username
	now := t.cfg.Now()
	if known {
		return a, nil
	}
	t.mu.Lock()
	a.addr, a.pair = t.addrs.get(s.addrKey, now), t.pairs.get(a.pairKey, now)
	var delay time.Duration
	if a.addr != nil && t.goods.get(a.pairKey, now) != nil {
		// A pair that logged in recently from this address: the
		// address's failures (someone else's, most likely, behind the
		// same NAT) only delay it.
		delay = t.delay(a.addr.count, t.cfg.AddrFreeFailures)
		a.suspect = a.addr.count > 0
		a.addr = nil // not held in flight: no "concurrent" refusal on it either
	}
	for i, f := range []*failures{a.addr, a.pair} {
		if f == nil {
			continue
		}
		free := t.cfg.AddrFreeFailures
		if i == 1 {
			free = t.cfg.FreeFailures
		}
		if now.Before(f.until) {
			t.mu.Unlock()
			s.failures++
			return nil, t.refuse("locked", s.failures >= t.cfg.SessionLimit)
		}
		if f.count >= free && f.inFlight > 0 {
			t.mu.Unlock()
			s.failures++
			return nil, t.refuse("concurrent", s.failures >= t.cfg.SessionLimit)
		}
		delay = max(delay, t.delay(f.count, free))
		a.suspect = a.suspect || f.count > 0
	}
	for _, f := range []*failures{a.addr, a.pair} {
		if f != nil {
			f.inFlight++
		}
	}
	t.mu.Unlock()
	if delay > 0 {
		if f := t.cfg.Metrics.Delayed; f != nil {
			f(delay)
		}
		if err := t.cfg.Sleep(ctx, delay); err != nil {
			a.Abandon()
			return nil, t.refuse("canceled", true)
		}
	}
	return a, nil
}

// delay is the wait earned by n failures: none below free, then BaseDelay
// doubling up to MaxDelay.
func (t *Throttle) delay(n, free int) time.Duration {
	k := n - free
	if k < 0 {
		return 0
	}
	d := t.cfg.BaseDelay
	for range k {
		if d >= t.cfg.MaxDelay {
			break
		}
		d *= 2
	}
	return min(d, t.cfg.MaxDelay)
}

// Acquire takes a password-verification slot, waiting at most VerifyWait;
// call release when the verification is done. Call it only around the
// expensive check (bcrypt): a cached successful login needs no slot.
// The error is a *Refusal ("busy").
func (a *Attempt) Acquire() (release func(), err error) {
	release, ok := a.s.t.verify.acquire(a.ctx, a.suspect)
	if !ok {
		return nil, a.s.t.refuse("busy", false)
	}
	return release, nil
}

// Succeeded ends the attempt: the pair's record is cleared (the address's
// is not: one valid account must not reset a spray of guesses), and the
// pair's success is remembered (RememberSuccess).
func (a *Attempt) Succeeded() {
	t := a.s.t
	now := t.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.end() {
		return
	}
	g := t.goods.ensure(a.pairKey, now)
	g.count = 1
	t.goods.touch(g, now)
	if f := t.pairs.m[a.pairKey]; f != nil && f.inFlight == 0 {
		t.pairs.remove(f)
	} else if f != nil {
		f.count, f.until = 0, time.Time{}
	}
}

// Failed ends the attempt with wrong credentials. It returns nil when the
// session should answer 535 as usual, or a *Refusal: this failure locked
// the address or the pair, or reached the session's limit (Hangup).
func (a *Attempt) Failed() error {
	t := a.s.t
	if f := t.cfg.Metrics.Failed; f != nil {
		f()
	}
	now := t.cfg.Now()
	t.mu.Lock()
	if a.end() {
		t.mu.Unlock()
		return nil
	}
	a.s.failures++
	lockedAddr := t.fail(t.addrs, a.s.addrKey, t.cfg.AddrLimit, now)
	lockedPair := t.fail(t.pairs, a.pairKey, t.cfg.PairLimit, now)
	t.mu.Unlock()
	for _, l := range []struct {
		scope string
		n     int
	}{{"addr", lockedAddr}, {"pair", lockedPair}} {
		if l.n == 0 {
			continue
		}
		if f := t.cfg.Metrics.Lockout; f != nil {
			f(l.scope)
		}
		// One line per lockout; the username quoted and bounded (hostile).
		t.log.Warn("auth lockout", "scope", l.scope, "remote", a.s.addrKey,
			"user", quoteUser(a.user), "failures", l.n, "until", now.Add(t.cfg.LockFor))
	}
	switch {
	case lockedAddr > 0 || lockedPair > 0:
		// Nothing more will be verified for this client for LockFor:
		// close rather than answer it cheaply for as long as it likes.
		return t.refuse("locked", true)
	case a.s.failures >= t.cfg.SessionLimit:
		return t.refuse("session_limit", true)
	}
	return nil
}

// fail counts one failure on key and returns the count when it (re)locks
// the key, else 0. Once a key has reached its limit every further failure
// relocks it until the record is forgotten.
func (t *Throttle) fail(tab *table, key string, limit int, now time.Time) int {
	f := tab.ensure(key, now)
	f.count++
	tab.touch(f, now)
	if f.count >= limit {
		f.until = now.Add(t.cfg.LockFor)
		return f.count
	}
	return 0
}

// end marks the attempt done and drops its in-flight marks; true when it
// was already done. Caller holds t.mu.
func (a *Attempt) end() bool {
	if a.done {
		return true
	}
	a.done = true
	t := a.s.t
	for _, p := range []struct {
		tab *table
		f   *failures
	}{{t.addrs, a.addr}, {t.pairs, a.pair}} {
		if p.f != nil {
			p.f.inFlight--
			p.tab.release(p.f)
		}
	}
	return false
}

// Abandon ends an attempt that neither succeeded nor failed (its delay
// was cancelled, it was refused a verification slot). Safe after an
// outcome.
func (a *Attempt) Abandon() {
	a.s.t.mu.Lock()
	defer a.s.t.mu.Unlock()
	a.end()
}

// Len returns the number of address and pair records held.
func (t *Throttle) Len() (addrs, pairs int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addrs.len(), t.pairs.len()
}

func quoteUser(u string) string {
	if len(u) > 64 {
		u = u[:64] + "…"
	}
	return strconv.QuoteToASCII(u)
}

// IsRefusal returns the Refusal in err's chain.
func IsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}
