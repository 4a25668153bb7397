package delivery

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"sluice/mta/shaping"
)

// errSuspended defers mail for a site the shaping policy has suspended
// after repeated connection failures.
type errSuspended struct{ until time.Time }

func (e *errSuspended) Error() string {
	return fmt.Sprintf("destination suspended after repeated connection failures until %s", e.until.UTC().Format(time.RFC3339))
}

// errSiteHeld defers mail for a site an operator suspended.
var errSiteHeld = errors.New("delivery: destination site suspended by an operator")

// shapingKey returns the shaping state key of this destination, from the
// hosts it resolved to (MX names, or the route's host).
func (d *dest) shapingKey(targets []target) (shaping.Key, bool) {
	sh := d.e.cfg.Shaping
	if sh == nil {
		return shaping.Key{}, false
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.host
	}
	return shaping.Key{Source: d.src.Name, Site: sh.Site(d.domain, names)}, true
}

// transactions is how many SMTP transactions j takes (one per recipient
// with VERP), which is what the rate counts.
func (d *dest) transactions(j *job) int {
	if rp := d.e.cfg.ReturnPath; rp != nil && len(j.w.Rcpts) > 0 && rp(&j.w, j.w.Rcpts[0]) != "" {
		return len(j.w.Rcpts)
	}
	return 1
}

// observation sums up one transaction's outcomes for the shaping policy:
// the first "slow down" reply if any, else success if any recipient was
// accepted, else the first failure.
func observation(outs []rcptOutcome) (shaping.Outcome, string) {
	if len(outs) == 0 {
		return shaping.Ignore, ""
	}
	var first error
	delivered := false
	for _, o := range outs {
		if o.err == nil {
			delivered = true
			continue
		}
		if c := shaping.Classify(o.err); c == shaping.Throttled || c == shaping.ConnThrottled {
			return c, o.err.Error()
		}
		if first == nil {
			first = o.err
		}
	}
	if delivered {
		return shaping.Delivered, ""
	}
	return shaping.Classify(first), first.Error()
}

// isThrottle reports whether err is a "slow down" reply (shaping's
// Classify: Throttled or ConnThrottled).
func isThrottle(err error) bool {
	c := shaping.Classify(err)
	return c == shaping.Throttled || c == shaping.ConnThrottled
}

// throttleWait is the least delay before retrying mail deferred by a
// throttle among outs: the site's Limits.RetryAfter (read after the
// throttle was observed, so it includes the cut it caused), or 0 when
// unshaped or no outcome is a throttle.
func (d *dest) throttleWait(k shaping.Key, shaped bool, outs []rcptOutcome) time.Duration {
	if !shaped || !slices.ContainsFunc(outs, func(o rcptOutcome) bool { return o.err != nil && isThrottle(o.err) }) {
		return 0
	}
	return d.e.cfg.Shaping.Limits(k).RetryAfter
}
