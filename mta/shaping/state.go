package shaping

import (
	"fmt"
	"math"
	"time"
)

// State is a site's shaping state.
type State int

// The states of a site.
const (
	// Normal: the rule's own limits apply.
	Normal State = iota
	// Backoff: the receiver asked to slow down; connections and rate are
	// cut, and step back up after each quiet period.
	Backoff
	// Suspended: connections failed repeatedly; no new connection until
	// [Limits.SuspendedUntil].
	Suspended
)

// String returns "normal", "backoff" or "suspended".
func (s State) String() string {
	switch s {
	case Normal:
		return "normal"
	case Backoff:
		return "backoff"
	case Suspended:
		return "suspended"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// rateWindow is the window over which the sending rate is measured, to cut
// from the rate actually sent when the rule sets none (or a higher one).
const rateWindow = 10 * time.Second

// minRateSample is the shortest spell a rate is measured over.
const minRateSample = 250 * time.Millisecond

// maxSteps bounds the restoring steps taken at once after a long idle
// spell; far fewer bring any site back to its rule's limits.
const maxSteps = 64

// maxWait bounds the wait Reserve returns, so the arithmetic cannot
// overflow whatever the debt and rate.
const maxWait = 24 * time.Hour

// siteState is the shaping state of one (source, site). The Policy's mutex
// guards it.
type siteState struct {
	rule   *rule
	state  State
	resume State // the state a suspension returns to

	conns     int // connection limit now
	ceilConns int // the connection count at the last cut
	open      int // connections held (AcquireConn minus releases)

	rate     float64 // messages per second now; 0: no bound
	ceilRate float64 // the rate at the last cut
	// feedRate is the rate delivered when the last rate cut came: positive
	// feedback steps the rate back up to it (see delivered).
	feedRate float64
	burst    float64
	tokens   float64 // may be negative: reservations not yet due
	refilled time.Time

	created, lastUse time.Time
	// lastThrottle is the last throttle reply; lastCut the last one that
	// cut the limits; lastStep the last step up (or the cut).
	lastThrottle, lastCut, lastStep time.Time

	// sharedKey is "source|site", the key of this state in the fleet's
	// shared throttles ("" without Options.Shared); sharedSeen is the
	// latest shared backoff instant this node reported or applied.
	sharedKey  string
	sharedSeen time.Time

	failures    int // consecutive connection failures
	suspensions int // consecutive suspensions (doubling the next one)
	until       time.Time

	sent window // messages reserved
	dlv  window // transactions delivered

	// txns and conn are the shares of throttles among recent transactions
	// and connection attempts (the share gate); okSince counts the
	// deliveries since the last cut or step (positive feedback).
	txns, conn tally
	okSince    int

	counts Counts
}

func newState(r *rule, now time.Time) *siteState {
	return &siteState{
		rule: r, conns: r.maxConns, rate: r.rate, burst: r.burst, tokens: r.burst,
		refilled: now, created: now, lastUse: now,
		sent: window{start: now}, dlv: window{start: now},
	}
}

// refill adds the tokens earned since the last refill.
func (s *siteState) refill(now time.Time) {
	el := now.Sub(s.refilled)
	if el <= 0 {
		return
	}
	s.refilled = now
	if s.rate > 0 {
		s.tokens = min(s.burst, s.tokens+el.Seconds()*s.rate)
	}
}

// reserve takes n tokens and returns how long the caller must wait until
// they are due.
func (s *siteState) reserve(now time.Time, n int) time.Duration {
	s.count(now, n)
	if s.rate <= 0 {
		return 0
	}
	s.refill(now)
	s.tokens -= float64(n)
	if s.tokens >= 0 {
		return 0
	}
	// Numerator first: with whole tokens it is exact, so the division
	// rounds once.
	wait := math.Ceil(-s.tokens * 1e9 / s.rate)
	if wait >= float64(maxWait) {
		return maxWait
	}
	return time.Duration(wait)
}

// setRate changes the rate from now on; tokens earned so far stay earned.
func (s *siteState) setRate(now time.Time, rate float64) {
	s.refill(now)
	s.rate = rate
	switch {
	case rate <= 0:
		s.burst, s.tokens = 0, 0
	case rate == s.rule.rate:
		s.burst = s.rule.burst
	default:
		// One second's worth, within the rule's burst: a backed-off site
		// must not take a full burst after an idle spell.
		s.burst = max(1, math.Floor(rate))
		if s.rule.burst > 0 {
			s.burst = min(s.burst, s.rule.burst)
		}
	}
	s.tokens = min(s.tokens, s.burst)
}

// count records n messages in the rate measurement.
func (s *siteState) count(now time.Time, n int) {
	s.sent.add(now, float64(n))
}

// measured returns the rate reserved over the last rateWindow, in messages
// per second (a sliding window: the previous window weighted by the part of
// it still inside). Before a whole window has passed it is the rate since
// the state was created (a receiver that throttles at once must still get
// a rate cut, not only a connection cut), or 0 in the first minRateSample.
func (s *siteState) measured(now time.Time) float64 {
	return s.sent.rate(now, s.created)
}

// throttle handles a slow-down reply and reports whether it cut the
// limits. It first counts the reply in the share gate: unless throttles
// are a meaningful share of the recent transactions (or connection
// attempts, for connStage), the reply is noise that cuts nothing and
// leaves the quiet period and the positive feedback running. Otherwise, a
// reply to a transaction cuts the rate; a reply to the connection itself
// (connStage: "421 too many connections") cuts the connections. Each falls back to the other when it has nothing to cut:
// the rate at one connection, the connections when no rate is set or
// measured yet. The cut starts from what was really used: the connections
// open, the rate measured.
//
// Cutting both at once would apply the factor twice: in the simulation
// test that left the site at one connection, capped below the rate the
// receiver allowed, for whole quiet periods.
func (s *siteState) throttle(now time.Time, connStage bool) bool {
	t := &s.txns
	if connStage {
		t = &s.conn
		t.mark() // the attempt was counted by AcquireConn
	} else {
		t.add(true)
	}
	if !t.significant() {
		return false
	}
	return s.cut(now, connStage)
}

// cut is a throttle that passed the share gate (or was shared by another
// node, see shared.go): it restarts the quiet period and, unless the site
// is suspended or within the hold of the last cut, cuts the limits, and
// reports whether it did.
func (s *siteState) cut(now time.Time, connStage bool) bool {
	s.lastThrottle, s.okSince = now, 0
	if s.state == Suspended || !s.lastCut.IsZero() && now.Sub(s.lastCut) < s.rule.hold {
		return false
	}
	f := s.rule.factor
	baseConns := s.conns
	if s.open > 0 && s.open < baseConns {
		baseConns = s.open
	}
	cutRate := !connStage || baseConns <= 1
	if cutRate {
		base := s.rate
		if m := s.measured(now); m > 0 && (base == 0 || m < base) {
			base = m
		}
		if base > 0 {
			rate := base * f
			if rate < s.rule.minRate {
				rate = min(s.rule.minRate, base)
			}
			s.ceilRate = base
			s.feedRate = s.feedCeil(now, base)
			s.setRate(now, rate)
			// Start the new rate from an empty bucket: the receiver has
			// just said it had enough.
			s.tokens = min(s.tokens, 0)
		} else {
			cutRate = false
		}
	}
	if !cutRate {
		s.ceilConns = baseConns
		s.conns = max(1, int(float64(baseConns)*f))
	}
	s.state, s.lastCut, s.lastStep = Backoff, now, now
	return true
}

// feedCeil returns the rate positive feedback may restore after a rate
// cut from base: what the receiver accepted. When it refused a real share
// of what was sent (less than 95% delivered over the last rateWindow),
// that is the rate delivered: a real limit. Otherwise the throttle was
// noise, and feedback may restore base, or the ceiling of an earlier cut
// if higher: a site cut again by noise while it is still recovering must
// not ratchet its ceiling down cut after cut.
func (s *siteState) feedCeil(now time.Time, base float64) float64 {
	if dl := s.dlv.rate(now, s.created); dl < 0.95*base {
		return dl
	}
	if s.state == Backoff {
		return max(base, s.feedRate)
	}
	return base
}

// step raises the limits after a quiet period: connections by one up to
// where the last cut started, the rate half way back there; then both by
// 1/factor past it (the limit may have been lifted), up to the rule's. It
// reports whether the site is back to Normal.
func (s *siteState) step(now time.Time) bool {
	r := s.rule
	f := r.factor
	switch {
	case s.conns >= r.maxConns:
	case s.conns < s.ceilConns:
		s.conns++
	default:
		s.conns = min(r.maxConns, max(s.conns+1, int(math.Ceil(float64(s.conns)/f))))
	}
	if s.rate > 0 && (r.rate == 0 || s.rate < r.rate) {
		var rate float64
		switch {
		case s.rate < s.ceilRate:
			rate = s.rate + (s.ceilRate-s.rate)/2
			if s.ceilRate-rate < s.ceilRate/20 {
				rate = s.ceilRate
			}
		case r.rate == 0 && s.rate >= s.ceilRate/f*(1-1e-9):
			rate = 0 // survived a probe above the ceiling: no bound again
		default:
			rate = s.rate / f
		}
		if r.rate > 0 && rate >= r.rate {
			rate = r.rate
		}
		s.setRate(now, rate)
	}
	if s.conns >= r.maxConns && s.rate == r.rate {
		s.state, s.ceilConns, s.ceilRate, s.feedRate = Normal, 0, 0, 0
		return true
	}
	return false
}

// quietSince is when the current quiet period started.
func (s *siteState) quietSince() time.Time {
	if s.lastThrottle.After(s.lastStep) {
		return s.lastThrottle
	}
	return s.lastStep
}

// advance applies what time alone changes: the end of a suspension and
// the steps up of a backed-off site. It returns the transition, if any.
func (s *siteState) advance(now time.Time) (from State, reason string, changed bool) {
	from = s.state
	if s.state == Suspended && !now.Before(s.until) {
		s.state = s.resume
		reason, changed = "suspension over", true
	}
	if s.state != Backoff {
		return from, reason, changed
	}
	steps := 0
	for steps < maxSteps {
		t := s.quietSince().Add(s.rule.quiet)
		if now.Before(t) {
			break
		}
		s.lastStep = t
		steps++
		if s.step(t) {
			break
		}
	}
	if steps == 0 {
		return from, reason, changed
	}
	if reason != "" {
		reason += ", then "
	}
	if s.state == Normal {
		return from, reason + "restored after quiet periods", true
	}
	return from, reason + "stepped up after a quiet period", true
}

// suspend stops new connections for a while, doubling each time.
func (s *siteState) suspend(now time.Time) time.Duration {
	d, top := s.rule.suspendFor, s.rule.suspendMax
	for i := 0; i < s.suspensions && d < top; i++ {
		if d > top/2 {
			d = top // and no overflow
			break
		}
		d *= 2
	}
	d = min(d, top)
	s.suspensions++
	s.resume, s.state, s.until = s.state, Suspended, now.Add(d)
	return d
}

// reachable records that the site answered: connection failures and
// suspension growth start over, and a suspension ends.
func (s *siteState) reachable() (ended bool) {
	s.failures, s.suspensions = 0, 0
	if s.state == Suspended {
		s.state, s.until = s.resume, time.Time{}
		return true
	}
	return false
}

// idle reports whether the state carries nothing a new one would not:
// the sweep may forget it.
func (s *siteState) idle(now time.Time, ttl time.Duration) bool {
	if s.state != Normal || s.open > 0 || s.failures > 0 || now.Sub(s.lastUse) < ttl {
		return false
	}
	s.refill(now)
	return s.rate == 0 || s.tokens >= s.burst
}

func (s *siteState) limits(now time.Time) Limits {
	r := s.rule
	l := Limits{
		Rule:               r.name,
		State:              s.state,
		MaxConnections:     s.conns,
		MaxMessagesPerConn: r.maxMsgsPerConn,
		MaxRcptsPerTxn:     r.maxRcptsPerTxn,
		Rate:               s.rate,
		ConnectTimeout:     r.connectTimeout,
		CommandTimeout:     r.commandTimeout,
	}
	switch s.state {
	case Suspended:
		l.SuspendedUntil = s.until
		l.RetryAfter = s.until.Sub(now)
	case Backoff:
		l.RetryAfter = max(r.hold, s.quietSince().Add(r.quiet).Sub(now))
	}
	return l
}
