package queue

import (
	"time"
)

// RetryPolicy decides when a deferred recipient is tried again and when it
// expires. The default follows Postfix: the first retry after about five
// minutes, doubling up to an hour, and a message that still fails after five
// days is returned as expired.
type RetryPolicy struct {
	First  time.Duration // delay after the first failed attempt
	Max    time.Duration // the delay never grows past this
	MaxAge time.Duration // after this long in the queue a temporary failure becomes permanent
}

// DefaultRetry is the policy used when none is configured.
var DefaultRetry = RetryPolicy{First: 5 * time.Minute, Max: time.Hour, MaxAge: 5 * 24 * time.Hour}

// Delay returns the wait after the given failed attempt (1-based): First,
// then doubling, capped at Max.
func (p RetryPolicy) Delay(attempt int) time.Duration {
	d := p.First
	if d <= 0 {
		d = DefaultRetry.First
	}
	maxDelay := p.Max
	if maxDelay < d {
		maxDelay = d
	}
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	if d > maxDelay {
		d = maxDelay
	}
	return d
}

// Expired reports whether a message created at created has been queued too
// long to keep retrying at now.
func (p RetryPolicy) Expired(created, now time.Time) bool {
	maxAge := p.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultRetry.MaxAge
	}
	return now.Sub(created) >= maxAge
}
