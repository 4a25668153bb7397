package shaping

import (
	"math"
	"time"
)

// The two halves of the feedback that keep rate-independent throttle
// replies from starving a site (see "Noise" in the package documentation):
// a throttle cuts only when throttles are a meaningful share of the site's
// recent outcomes (the share gate), and deliveries step a cut site back up
// towards what the receiver was accepting when it throttled (positive
// feedback), without waiting for a throttle-free quiet period.

// shareWindow is about how many recent outcomes the throttle share is
// taken over: each new one weighs 1/shareWindow, older ones fade. 200
// makes 1-in-100 noise reach 1/20 about once in 20,000 transactions
// (ten throttles among the last 200, Poisson with mean 2), while a
// receiver refusing half of what is sent reaches it within about twenty.
const shareWindow = 200

// significantShare is the share of throttles among recent outcomes from
// which a throttle is taken as the receiver's answer to the sender's rate
// or connections: one in twenty, five times the 1-in-100 noise of the
// soak and the refusal ratio sluice settles under at a real limit.
const significantShare = 1.0 / 20

// tallyDecay is the weight left to the older outcomes at each new one.
const tallyDecay = 1 - 1.0/shareWindow

// minFeedback is the fewest deliveries that make one positive-feedback
// step, so a slow site steps on evidence, not on a handful of messages.
const minFeedback = 20

// tally is the share of throttles among recent outcomes of one kind
// (transactions, or connection attempts), exponentially weighted. Both sums
// start at zero and grow together, so the share is exact from the first
// outcome: a site whose first transaction is throttled has a share of 1,
// and one throttle after a thousand deliveries a share of about 1/200.
type tally struct {
	all, throttled float64
}

// add counts one outcome.
func (t *tally) add(throttled bool) {
	t.all = t.all*tallyDecay + 1
	t.throttled *= tallyDecay
	if throttled {
		t.throttled++
	}
}

// mark turns an outcome already counted (a connection attempt counted
// when its slot was taken) into a throttle.
func (t *tally) mark() {
	t.throttled++
	t.all = max(t.all, t.throttled)
}

// significant reports whether throttles are a meaningful share of the
// recent outcomes.
func (t *tally) significant() bool {
	return t.all > 0 && t.throttled >= significantShare*t.all
}

// window measures events per second over the last rateWindow: two fixed
// windows, the previous weighted by the part of it still inside.
type window struct {
	start     time.Time
	cur, prev float64
}

func (w *window) add(now time.Time, n float64) {
	w.roll(now)
	w.cur += n
}

func (w *window) roll(now time.Time) {
	el := now.Sub(w.start)
	if el < rateWindow {
		return
	}
	k := el / rateWindow
	if k == 1 {
		w.prev = w.cur
	} else {
		w.prev = 0
	}
	w.cur = 0
	w.start = w.start.Add(k * rateWindow)
}

// rate returns the events per second over the last rateWindow. Before a
// whole window has passed since created it is the rate since then, or 0 in
// the first minRateSample.
func (w *window) rate(now, created time.Time) float64 {
	if el := now.Sub(created); el < rateWindow {
		if el < minRateSample {
			return 0
		}
		w.roll(now)
		return (w.prev + w.cur) / el.Seconds()
	}
	w.roll(now)
	frac := float64(now.Sub(w.start)) / float64(rateWindow)
	return (w.prev*(1-frac) + w.cur) / rateWindow.Seconds()
}

// delivered records a delivery and, in Backoff below where the last cut
// started, counts it as positive feedback: after one hold's worth of
// deliveries at the current limit (at least minFeedback) the limits take
// a recovery step. It reports whether they did, and whether the site is
// back to Normal.
func (s *siteState) delivered(now time.Time) (stepped, normal bool) {
	s.txns.add(false)
	s.dlv.add(now, 1)
	if s.state != Backoff || !s.belowFeedbackCeil() {
		s.okSince = 0
		return false, false
	}
	s.okSince++
	if s.okSince < s.feedbackAfter(now) {
		return false, false
	}
	s.okSince, s.lastStep = 0, now
	return true, s.recoverStep(now)
}

// feedbackAfter is how many deliveries make one recovery step: those of
// one hold at the current rate (or the rate measured, when none is set),
// as Postfix grows a destination's concurrency by one after as many
// deliveries as the concurrency, so the increase is additive per round
// whatever the size of the limit.
func (s *siteState) feedbackAfter(now time.Time) int {
	base := s.rate
	if base == 0 {
		base = s.measured(now)
	}
	return max(minFeedback, int(math.Ceil(base*s.rule.hold.Seconds())))
}

// belowFeedbackCeil reports whether the limits are below where positive
// feedback may take them: the connections open at the last connection cut,
// and the rate the receiver accepted at the last rate cut.
func (s *siteState) belowFeedbackCeil() bool {
	return s.conns < s.ceilConns || s.rate > 0 && s.rate < s.feedRate
}

// recoverStep raises the limits towards the feedback ceilings: one more
// connection, the rate half way (all the way within 5%). Past them only
// the quiet periods of step go: that is probing a limit the receiver has
// shown, not recovering from a cut. It reports whether the site is back
// to Normal.
func (s *siteState) recoverStep(now time.Time) bool {
	r := s.rule
	if s.conns < s.ceilConns {
		s.conns++
	}
	if s.rate > 0 && s.rate < s.feedRate {
		rate := s.rate + (s.feedRate-s.rate)/2
		if s.feedRate-rate < s.feedRate/20 {
			rate = s.feedRate
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
