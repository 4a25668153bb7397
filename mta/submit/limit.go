package submit

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/emersion/go-smtp"
)

// Per-tenant submission limits: messages per second and per UTC day.
// Both are checked at MAIL FROM, before the client sends a body: a
// refused transaction costs neither side the DATA. A message is one
// accepted DATA whatever its recipients (as ESPs count): the rate is
// taken at MAIL FROM (a transaction that then fails still used its
// place), the daily quota counts the messages answered 250. Sessions of
// one tenant running at once may each pass MAIL FROM just under the
// quota, so it can be passed by at most the tenant's concurrent
// transactions (bounded by its session cap).

// TenantLimiter decides whether a tenant may start another submission.
// Counting is behind this interface so that a fleet can count across
// nodes (a shared store) where one node counts locally (LocalLimiter).
// Implementations must be safe for concurrent use; when their store is
// unavailable they should allow (a limiter outage must not stop mail)
// and say so in their own logs and metrics.
type TenantLimiter interface {
	// Allow is asked at MAIL FROM. When ok is false, retryAfter is how
	// long until the tenant may try again and reason is LimitRate or
	// LimitDaily (any other value gets a generic reply).
	Allow(ctx context.Context, tenant string) (ok bool, retryAfter time.Duration, reason string)
	// Accepted counts n messages durably queued for tenant (after the
	// spool's fsync, before the 250).
	Accepted(ctx context.Context, tenant string, n int)
}

// Reasons a TenantLimiter gives, also the Metrics.Rejected reasons of
// the refusals.
const (
	LimitRate  = "tenant_rate"        // over the tenant's messages per second
	LimitDaily = "tenant_daily_quota" // the tenant's messages of the UTC day are used up
)

// limiterTimeout bounds one call to the limiter: a shared store that
// does not answer must not hold a session.
const limiterTimeout = 2 * time.Second

// checkLimit asks the backend's limiter whether s's tenant may start a
// transaction; nil when it may (or there is no limiter).
func (s *Session) checkLimit() error {
	l := s.b.cfg.Limiter
	if l == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), limiterTimeout)
	defer cancel()
	ok, retry, reason := l.Allow(ctx, s.tenant.Name)
	if ok {
		return nil
	}
	switch reason {
	case LimitRate, LimitDaily:
	default:
		reason = "tenant_limit"
	}
	s.b.reject(reason)
	s.b.log.Info("submission refused: tenant limit", "tenant", s.tenant.Name, "reason", reason,
		"retry_after_s", math.Ceil(retry.Seconds()))
	return limitError(reason, retry)
}

// accepted counts one message accepted for s's tenant.
func (s *Session) accepted() {
	if l := s.b.cfg.Limiter; l != nil {
		ctx, cancel := context.WithTimeout(context.Background(), limiterTimeout)
		defer cancel()
		l.Accepted(ctx, s.tenant.Name, 1)
	}
}

// limitError is the reply to a transaction over a tenant's limit: 451
// 4.7.1, a temporary refusal for policy reasons (RFC 3463 §3.8 "delivery
// not authorized"; RFC 5321 §4.2.5: the client keeps the message and
// retries), with a text that says which limit and when to retry.
func limitError(reason string, retry time.Duration) *smtp.SMTPError {
	var text string
	switch wait := max(1, int64(math.Ceil(retry.Seconds()))); reason {
	case LimitRate:
		text = fmt.Sprintf("Message rate limit exceeded for this account, try again in %ds", wait)
	case LimitDaily:
		text = fmt.Sprintf("Daily message quota exceeded for this account, try again after 00:00 UTC (in %ds)", wait)
	default:
		text = fmt.Sprintf("Sending limit exceeded for this account, try again in %ds", wait)
	}
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: text}
}
