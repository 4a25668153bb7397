package submit

import (
	"fmt"
	"maps"
	"math"
)

// LimitSetter is a TenantLimiter whose limits can be replaced while it
// runs (a reload of the configuration). fleet.TenantLimits is one: a
// LocalLimiter passes its new limits on to a shared limiter that is.
type LimitSetter interface {
	SetLimits(limits map[string]Limit) error
}

var _ LimitSetter = (*LocalLimiter)(nil)

// checkLimits refuses limits that are negative or not finite.
func checkLimits(limits map[string]Limit) error {
	for name, l := range limits {
		if l.Rate < 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Burst < 0 || l.Daily < 0 {
			return fmt.Errorf("submit: limits of tenant %q: %+v: must be finite and not negative", name, l)
		}
	}
	return nil
}

// SetLimits replaces the limits by tenant (a tenant not listed is
// unlimited) for the next MAIL FROM; a transaction already past it is
// not asked again. Invalid limits are refused and change nothing.
//
// What was counted stays: the day's count of every tenant (a tenant
// whose quota was lowered under today's count is refused at once; one
// removed and added again the same day finds its count), and the rate's
// bucket, cut down to a lowered burst (a tenant may not send a burst
// its new limit does not allow). With a shared limiter set (SetShared)
// that is a LimitSetter, it gets the new limits first: a refusal there
// changes nothing here either.
func (l *LocalLimiter) SetLimits(limits map[string]Limit) error {
	if err := checkLimits(limits); err != nil {
		return err
	}
	if s := l.shared.Load(); s != nil {
		if ls, ok := s.TenantLimiter.(LimitSetter); ok {
			if err := ls.SetLimits(limits); err != nil {
				return err
			}
		}
	}
	next := maps.Clone(limits)
	l.mu.Lock()
	defer l.mu.Unlock()
	for tenant, b := range l.buckets {
		lim := next[tenant]
		if lim.Rate <= 0 {
			delete(l.buckets, tenant) // no rate now; a new one starts full
			continue
		}
		burst := float64(lim.Burst)
		if burst == 0 {
			burst = max(1, math.Ceil(lim.Rate))
		}
		b.tokens = min(b.tokens, burst)
	}
	l.limits.Store(&next)
	return nil
}
