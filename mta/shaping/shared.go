package shaping

import "time"

// Shared is the state that several nodes sending from the same sources
// share (package sluice/fleet implements it on Redis), consulted by a
// Policy given one in [Options.Shared]. Keys are "source|site" (the
// site's [Site.Name]). The Policy's own limits, backoff and suspension
// still apply on each node; Shared bounds what the nodes do together:
//
//   - connections: a node holds a fleet-wide slot for each connection it
//     opens, out of its current connection limit (so a node that backed
//     off asks for fewer);
//   - rate: each transaction reserves from a fleet-wide rate at the node's
//     current rate, and waits for the later of the two reservations;
//   - backoff: a node whose own replies cut a site's limits reports it,
//     and every other node cuts its limits for that site by the same rule
//     the next time it asks (once per report).
//
// Every method is called without the Policy's lock held and must answer
// quickly: when the shared store does not answer, answer from a local
// share of the limit (the limit ÷ the nodes last seen), never block mail.
type Shared interface {
	// AcquireConn takes one of limit connection slots of key; false when
	// all are taken.
	AcquireConn(key string, limit int) bool
	// ReleaseConn gives back one slot of key taken by AcquireConn.
	ReleaseConn(key string)
	// Reserve takes n messages from key's rate (per second, with burst
	// messages at once) and returns how long the caller must wait before
	// sending them; the reservation stands, as in [Policy.Reserve].
	Reserve(key string, rate, burst float64, n int) time.Duration
	// Throttled reports that this node's replies cut key's limits, and
	// that the site wants no more than the cut limits until until.
	Throttled(key string, until time.Time)
	// Backoff returns the latest until reported for key by any node (zero
	// when none); it may be a little stale (a cache), never a round trip
	// per call.
	Backoff(key string) time.Time
}

// sharedKeyOf is the key of k in the shared state.
func sharedKeyOf(k Key) string { return k.Source + "|" + k.Site.name }

// applyShared applies a backoff reported by another node: when until is
// later than any this node reported or applied, the site's limits are cut
// as by a throttle reply to a transaction (the rate, or the connections
// when no rate is set or measured), within the rule's hold like any
// echo. The caller holds p.mu.
func (p *Policy) applyShared(pd *pending, k Key, s *siteState, now, until time.Time) {
	if !until.After(now) || !until.After(s.sharedSeen) {
		return
	}
	s.sharedSeen = until
	from := s.state
	if s.cut(now, false) {
		p.note(pd, k, s, now, from, "throttled at another node of the fleet")
	}
}

// reportCut tells the fleet that k's limits were cut at now; the caller
// holds p.mu and calls the returned function once it released it (nil:
// nothing to report).
func (p *Policy) reportCut(s *siteState, now time.Time) func() {
	if p.shared == nil {
		return nil
	}
	until := now.Add(s.rule.quiet)
	if until.After(s.sharedSeen) {
		s.sharedSeen = until
	}
	key := s.sharedKey
	return func() { p.shared.Throttled(key, until) }
}

// SetShared sets the fleet's shared state after New, for wiring that
// joins the fleet after building the Policy. Call it before the Policy is
// first used (before delivery runs): it is not synchronised with the
// other methods, which read it without the lock to keep the single-node
// path free.
func (p *Policy) SetShared(s Shared) {
	p.shared = s
}

// IsShared reports whether connection slots are the fleet's (SetShared):
// then a node must not sit on an idle one another node could use.
func (p *Policy) IsShared() bool { return p != nil && p.shared != nil }
