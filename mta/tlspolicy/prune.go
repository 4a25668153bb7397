package tlspolicy

import "time"

// pruneMin is the smallest TXT cache that is pruned.
const pruneMin = 4096

// maybePruneLocked forgets, once the TXT cache has doubled since the
// last pruning (and holds at least pruneMin domains), what the Resolver
// keeps per domain and no longer needs: expired TXT answers; for domains
// without a live TXT answer, cached MTA-STS entries that are absent (no
// policy on disk) or expired, and their refresh locks when no one holds
// them. A bulk sender mails millions of distinct domains over months;
// without this every one of them stayed in three maps for the life of
// the process. Policies still in force are kept: with no policy Dir they
// exist nowhere else, and forgetting one early would let a downgrade
// through (RFC 8461 §5.1). Doubling makes the sweep's cost O(1) per
// lookup. Called with r.mu held.
func (r *Resolver) maybePruneLocked(now time.Time) {
	if len(r.txt) < max(pruneMin, r.pruneAt) {
		return
	}
	for d, e := range r.txt {
		if !now.Before(e.expires) {
			delete(r.txt, d)
		}
	}
	for d, c := range r.sts {
		if _, live := r.txt[d]; !live && (c == nil || !now.Before(c.Expires)) {
			delete(r.sts, d)
		}
	}
	for d, l := range r.locks {
		if _, live := r.txt[d]; live {
			continue
		}
		// Held: a refresh is running. A caller that took the lock
		// from the map but has not locked it yet may end up with
		// this orphan while the next caller gets a new one: two
		// concurrent refreshes of one domain, harmless.
		if l.TryLock() {
			delete(r.locks, d)
			l.Unlock()
		}
	}
	r.pruneAt = 2 * len(r.txt)
}
