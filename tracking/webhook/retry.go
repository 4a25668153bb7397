package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// outcome is what an attempt's answer means for its batch.
type outcome int

const (
	delivered outcome = iota // 2xx: delete the batch
	retry                    // anything else: wait, then resend
	tooLarge                 // 413: halve the batch; retry or drop a single event
)

// result is the outcome of one attempt.
type result struct {
	outcome    outcome
	status     int           // the HTTP status, 0 when there was no answer
	retryAfter time.Duration // from Retry-After; 0 when absent
	err        error         // the transport error, when there was no answer
	size       int           // the request body's size, in bytes
}

// classify decides what resp means; this is the one place that does.
func classify(resp *http.Response, now time.Time) result {
	res := result{status: resp.StatusCode}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		res.outcome = delivered
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		// RFC 9110 §15.5.14: Retry-After may say the refusal is
		// temporary; it sets the wait when a single event is retried.
		res.outcome = tooLarge
		res.retryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	default:
		// 3xx (never followed), 408, 429, 5xx, and the other 4xx too:
		// see the package doc.
		res.outcome = retry
		res.retryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	}
	return res
}

// retryAfter parses a Retry-After value (RFC 9110 §10.2.3): seconds or an
// HTTP date. It returns 0 when absent or unusable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(365*24*time.Hour/time.Second) {
			s = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff returns the wait after the n-th failure in a row (n >= 1):
// first doubled n-1 times, capped at maximum, then drawn uniformly in its
// upper half (jitter, so that endpoints that failed together do not retry
// together). rnd returns a number in [0, 1).
func backoff(n int, first, maximum time.Duration, rnd func() float64) time.Duration {
	d := first
	for i := 1; i < n && d < maximum; i++ {
		d *= 2
	}
	d = min(d, maximum)
	return d/2 + time.Duration(rnd()*float64(d-d/2))
}

// wait returns how long to wait after a failed attempt: Retry-After when
// the endpoint sent one, bounded by first and maximum, else the backoff.
func wait(res result, n int, first, maximum time.Duration, rnd func() float64) time.Duration {
	if res.retryAfter > 0 {
		return min(max(res.retryAfter, first), maximum)
	}
	return backoff(n, first, maximum, rnd)
}
