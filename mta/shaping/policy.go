package shaping

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
)

// Options configures a Policy beyond its rules.
type Options struct {
	// Now is the clock [clock.Now].
	Now func() time.Time
	// OnTransition, if set, receives every change of a site's state or
	// limits: into and out of backoff and suspension, and each step up. It
	// is called without the Policy's lock held, on the goroutine whose call
	// caused the change, so two transitions of one site may arrive out of
	// order when they race; it must not block for long.
	OnTransition func(Transition)
	// IdleTTL is how long the state of an unused site in its normal state
	// is kept before it is forgotten (a new one would be the same) [10m].
	IdleTTL time.Duration
	// Shared, when set, is the state shared with the other nodes of a
	// fleet: connection slots, rate and backoff per (source, site) hold
	// across every node that sends from the source (see [Shared]). Nil:
	// this node alone, at no cost.
	Shared Shared
}

// Limits are a site's effective limits at one moment, after backoff.
type Limits struct {
	// Rule is the name of the governing rule.
	Rule string
	// State is the site's state.
	State State
	// MaxConnections bounds concurrent connections ([Policy.AcquireConn]
	// enforces it).
	MaxConnections int
	// MaxMessagesPerConn bounds transactions per connection.
	MaxMessagesPerConn int
	// MaxRcptsPerTxn bounds recipients per transaction.
	MaxRcptsPerTxn int
	// Rate is the message rate now, per second; 0 means no bound
	// ([Policy.Reserve] enforces it).
	Rate float64
	// ConnectTimeout and CommandTimeout replace the engine's when non-zero.
	ConnectTimeout, CommandTimeout time.Duration
	// RetryAfter is the least delay before retrying mail deferred at this
	// site now: 0 when Normal; in Backoff, until the next step up may come;
	// when Suspended, until the suspension ends.
	RetryAfter time.Duration
	// SuspendedUntil is when a suspension ends; zero when not Suspended.
	SuspendedUntil time.Time
}

// Transition is one change of a site's state or limits.
type Transition struct {
	// Time is when the change was found: the call that caused it, or for
	// the changes time alone makes, the first call after them.
	Time time.Time
	// Key is the (source, site) that changed.
	Key Key
	// From and To are the states before and after; equal for a step up
	// within Backoff.
	From, To State
	// Reason says what happened, with the reply that caused it if any.
	Reason string
	// Limits are the limits after the change.
	Limits Limits
}

// Counts are a site's outcomes as observed since its state was created
// (a site forgotten while idle starts again from zero).
type Counts struct {
	// Delivered counts Delivered outcomes.
	Delivered uint64
	// Throttled counts Throttled and ConnThrottled outcomes.
	Throttled uint64
	// ConnectFailed, TempFailed and PermFailed count those outcomes.
	ConnectFailed, TempFailed, PermFailed uint64
	// Greylisted counts Greylisted outcomes.
	Greylisted uint64
}

// Status is the state of one (source, site), for admin pages and gauges.
type Status struct {
	// Key is the (source, site).
	Key Key
	// Limits are its limits now.
	Limits Limits
	// Open is the number of connections held.
	Open int
	// Counts are its outcomes.
	Counts Counts
}

// Policy holds the rules and the state of every (source, site). Create it
// with New; it is safe for concurrent use. Every method but Site takes one
// mutex for a map lookup and a few comparisons.
type Policy struct {
	now          func() time.Time
	onTransition func(Transition)
	idleTTL      time.Duration
	shared       Shared

	// rules are the compiled rules in force, swapped whole by SetRules
	// (reload.go); Site reads them without the lock.
	rules atomic.Pointer[ruleSet]

	mu        sync.Mutex
	sites     map[Key]*siteState
	lastSweep time.Time
}

// New validates rules and returns a Policy. Rule names must be unique, no
// domain or MX pattern may appear twice, and at most one rule may be the
// default; without one, the built-in default of [DefaultRules] applies.
func New(rules []Rule, opts Options) (*Policy, error) {
	p := &Policy{
		now:          opts.Now,
		onTransition: opts.OnTransition,
		idleTTL:      opts.IdleTTL,
		shared:       opts.Shared,
		sites:        map[Key]*siteState{},
	}
	if p.now == nil {
		p.now = clock.Now
	}
	if p.idleTTL <= 0 {
		p.idleTTL = 10 * time.Minute
	}
	set, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	p.rules.Store(set)
	return p, nil
}

// pending holds the transitions of one call until the lock is released.
type pending struct {
	n int
	t [3]Transition
}

func (p *Policy) note(pd *pending, k Key, s *siteState, now time.Time, from State, reason string) {
	if p.onTransition == nil || pd.n == len(pd.t) {
		return
	}
	pd.t[pd.n] = Transition{Time: now, Key: k, From: from, To: s.state, Reason: reason, Limits: s.limits(now)}
	pd.n++
}

func (p *Policy) emit(pd *pending) {
	for i := 0; i < pd.n; i++ {
		p.onTransition(pd.t[i])
	}
}

// state returns k's state, created if need be and advanced to now. The
// caller holds p.mu.
func (p *Policy) state(k Key, now time.Time, pd *pending) *siteState {
	if now.Sub(p.lastSweep) >= time.Minute {
		p.sweep(now)
	}
	s := p.sites[k]
	if s == nil {
		s = newState(p.rules.Load().ruleOf(k.Site), now)
		if p.shared != nil {
			s.sharedKey = sharedKeyOf(k)
		}
		p.sites[k] = s
	}
	if now.After(s.lastUse) {
		s.lastUse = now
	}
	if from, reason, ok := s.advance(now); ok {
		p.note(pd, k, s, now, from, reason)
	}
	return s
}

// sweep forgets idle states, so a sender reaching millions of small sites
// over time keeps only those in use or in backoff.
func (p *Policy) sweep(now time.Time) {
	p.lastSweep = now
	for k, s := range p.sites {
		if s.idle(now, p.idleTTL) {
			delete(p.sites, k)
		}
	}
}

// Limits returns k's effective limits now.
func (p *Policy) Limits(k Key) Limits {
	now := p.now()
	var pd pending
	p.mu.Lock()
	l := p.state(k, now, &pd).limits(now)
	p.mu.Unlock()
	p.emit(&pd)
	return l
}

// Reserve takes n messages from k's rate and returns how long the caller
// must wait before sending them (0: at once). The reservation stands
// whatever the caller does: it keeps its place among concurrent callers,
// which is what makes the rate exact, so call Reserve only when about to
// send, and then send after the wait without asking again. With no rate
// bound it returns 0. Suspension is not checked here: see AcquireConn.
func (p *Policy) Reserve(k Key, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	now := p.now()
	var pd pending
	p.mu.Lock()
	s := p.state(k, now, &pd)
	wait := s.reserve(now, n)
	if p.shared == nil {
		p.mu.Unlock()
		p.emit(&pd)
		return wait
	}
	key, seen, rate, burst := s.sharedKey, s.sharedSeen, s.rate, s.burst
	p.mu.Unlock()
	p.emit(&pd)
	if until := p.shared.Backoff(key); until.After(seen) {
		pd = pending{}
		p.mu.Lock()
		s = p.state(k, now, &pd)
		p.applyShared(&pd, k, s, now, until)
		rate, burst = s.rate, s.burst
		p.mu.Unlock()
		p.emit(&pd)
	}
	if rate > 0 {
		wait = max(wait, p.shared.Reserve(key, rate, burst, n))
	}
	return wait
}

// AcquireConn asks for a connection slot at k before dialling. It returns
// false when the site holds its limit of connections or is suspended; the
// engine then waits for a connection to close, or for the suspension's
// end. Every slot acquired must be given back with ReleaseConn (or taken
// back by ShedConn), so the count holds across all the domains of a site.
func (p *Policy) AcquireConn(k Key) bool {
	now := p.now()
	var pd pending
	p.mu.Lock()
	s := p.state(k, now, &pd)
	ok := s.state != Suspended && s.open < s.conns
	if ok {
		s.open++
		s.conn.add(false) // a throttle of this attempt marks it
	}
	if !ok || p.shared == nil {
		p.mu.Unlock()
		p.emit(&pd)
		return ok
	}
	key, seen, conns := s.sharedKey, s.sharedSeen, s.conns
	p.mu.Unlock()
	p.emit(&pd)
	return p.acquireShared(k, s, key, seen, conns, now)
}

// acquireShared takes the fleet-wide slot of a connection whose local slot
// s holds (s.open > 0 keeps s from being swept meanwhile), after applying
// a backoff another node reported; without one, it gives the local slot
// back.
func (p *Policy) acquireShared(k Key, s *siteState, key string, seen time.Time, conns int, now time.Time) bool {
	if until := p.shared.Backoff(key); until.After(seen) {
		var pd pending
		p.mu.Lock()
		p.applyShared(&pd, k, s, now, until)
		conns = s.conns
		p.mu.Unlock()
		p.emit(&pd)
	}
	if p.shared.AcquireConn(key, conns) {
		return true
	}
	p.mu.Lock()
	if s.open > 0 {
		s.open--
	}
	p.mu.Unlock()
	return false
}

// ReleaseConn gives back a slot taken by AcquireConn, after the connection
// closed or failed to open.
func (p *Policy) ReleaseConn(k Key) {
	now := p.now()
	var pd pending
	p.mu.Lock()
	s := p.state(k, now, &pd)
	if s.open > 0 {
		s.open--
	}
	key := s.sharedKey
	p.mu.Unlock()
	p.emit(&pd)
	if p.shared != nil {
		p.shared.ReleaseConn(key)
	}
}

// ShedConn is asked between transactions on an open connection. It
// returns true when k has more connections open than its limit now allows
// (backoff cut it) or is suspended: it has then released this connection's
// slot, and the caller must close the connection without ReleaseConn.
func (p *Policy) ShedConn(k Key) bool {
	now := p.now()
	var pd pending
	p.mu.Lock()
	s := p.state(k, now, &pd)
	shed := s.open > 0 && (s.open > s.conns || s.state == Suspended)
	if shed {
		s.open--
	}
	key := s.sharedKey
	p.mu.Unlock()
	p.emit(&pd)
	if shed && p.shared != nil {
		p.shared.ReleaseConn(key)
	}
	return shed
}

// Outcome is what one attempt at a site came to, as [Policy.Observe]
// takes it.
type Outcome int

// The outcomes. [Classify] maps a delivery error to one.
const (
	// Ignore: the attempt says nothing about the site (cancelled by
	// shutdown, a local failure); Observe does nothing.
	Ignore Outcome = iota
	// Delivered: the transaction was accepted (for at least one
	// recipient).
	Delivered
	// Throttled: a slow-down reply (see IsThrottle) to a transaction.
	Throttled
	// ConnThrottled: a slow-down reply to the connection itself (the
	// greeting, EHLO, STARTTLS), such as "421 too many connections".
	ConnThrottled
	// ConnectFailed: no SMTP conversation: TCP refused or timed out, or
	// the connection dropped before the greeting.
	ConnectFailed
	// TempFailed: another temporary failure after the server answered.
	TempFailed
	// PermFailed: a permanent failure after the server answered.
	PermFailed
	// Greylisted: a greylisting deferral (see [IsGreylist]). It is about
	// one (sender, recipient, client) triplet, not the sender's volume:
	// counted, and it shows the site reachable, but it cuts no limit.
	Greylisted
)

// String returns the outcome's name, as in metric labels.
func (o Outcome) String() string {
	switch o {
	case Ignore:
		return "ignore"
	case Delivered:
		return "delivered"
	case Throttled:
		return "throttled"
	case ConnThrottled:
		return "conn_throttled"
	case ConnectFailed:
		return "connect_failed"
	case TempFailed:
		return "temp_failed"
	case PermFailed:
		return "perm_failed"
	case Greylisted:
		return "greylisted"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Observe records one attempt's outcome at k: once per transaction, and
// once per connection attempt that failed (not once per message queued
// behind it). reason (the reply, or the error text) only goes into the
// transition it may cause.
//
// A throttle reply counts towards the site's share of throttles; when
// throttles are a meaningful share of its recent transactions (resp.
// connection attempts), it starts backoff and cuts the limits by the
// rule's factor (below that share it is noise: counted, nothing more): Throttled cuts the rate (from the rate measured over the last
// 10s when that is lower), ConnThrottled the connections (from those
// open); each cuts the other when it has nothing to cut (one connection
// left; no rate set or measured yet). Replies within the rule's hold after
// a cut are echoes of the same overload: they restart the quiet period but
// cut nothing more. In backoff, deliveries step the limits back up towards
// where the last cut started (positive feedback). Greylisted, like
// TempFailed and PermFailed, cuts nothing and does not restart the quiet
// period.
//
// Rule.SuspendAfter consecutive connection failures suspend the site. Any
// reply from the server, even a refusal, shows the site reachable: the
// failure count and the suspension growth start over, and a suspension
// ends.
func (p *Policy) Observe(k Key, o Outcome, reason string) {
	if o == Ignore {
		return
	}
	now := p.now()
	var pd pending
	var report func()
	p.mu.Lock()
	s := p.state(k, now, &pd)
	from := s.state
	switch o {
	case Delivered, TempFailed, PermFailed, Greylisted, Throttled, ConnThrottled:
		switch o {
		case Delivered:
			s.counts.Delivered++
		case TempFailed:
			s.counts.TempFailed++
		case PermFailed:
			s.counts.PermFailed++
		case Greylisted:
			s.counts.Greylisted++
		default:
			s.counts.Throttled++
		}
		if s.reachable() {
			p.note(&pd, k, s, now, from, "reachable again: "+o.String())
			from = s.state
		}
		switch o {
		case Throttled, ConnThrottled:
			if s.throttle(now, o == ConnThrottled) {
				p.note(&pd, k, s, now, from, "throttled: "+reason)
				report = p.reportCut(s, now)
			}
		case Delivered:
			if stepped, normal := s.delivered(now); normal {
				p.note(&pd, k, s, now, from, "restored after deliveries")
			} else if stepped {
				p.note(&pd, k, s, now, from, "stepped up after deliveries")
			}
		default:
			s.txns.add(false)
		}
	case ConnectFailed:
		s.counts.ConnectFailed++
		s.failures++
		if s.state != Suspended && s.failures >= s.rule.suspendAfter {
			d := s.suspend(now)
			if p.onTransition != nil {
				p.note(&pd, k, s, now, from, fmt.Sprintf("suspended for %v after %d connection failures: %s", d, s.failures, reason))
			}
		}
	}
	p.mu.Unlock()
	p.emit(&pd)
	if report != nil {
		report()
	}
}

// Status returns the state of every (source, site) known, ordered by site
// then source.
func (p *Policy) Status() []Status {
	now := p.now()
	var out []Status
	var trs []Transition
	p.mu.Lock()
	for k, s := range p.sites {
		if from, reason, ok := s.advance(now); ok && p.onTransition != nil {
			trs = append(trs, Transition{Time: now, Key: k, From: from, To: s.state, Reason: reason, Limits: s.limits(now)})
		}
		out = append(out, Status{Key: k, Limits: s.limits(now), Open: s.open, Counts: s.counts})
	}
	p.mu.Unlock()
	for _, t := range trs {
		p.onTransition(t)
	}
	slices.SortFunc(out, func(a, b Status) int {
		return cmp.Or(cmp.Compare(a.Key.Site.name, b.Key.Site.name), cmp.Compare(a.Key.Source, b.Key.Source))
	})
	return out
}
