package fleet

import (
	"maps"

	"sluice/mta/submit"
)

var _ submit.LimitSetter = (*TenantLimits)(nil)

// SetLimits replaces the limits by tenant (a reload of the config, passed
// on by submit.LocalLimiter.SetLimits). The counts stay where they are:
// the day's count and the rate's GCRA in Redis, keyed by tenant, and
// what this node accepted while Redis was down, still to be added. A
// tenant whose quota was lowered under the day's count is refused at its
// next MAIL FROM. The limits are checked by the LocalLimiter that passes
// them.
func (l *TenantLimits) SetLimits(limits map[string]submit.Limit) error {
	next := maps.Clone(limits)
	l.limits.Store(&next)
	return nil
}
