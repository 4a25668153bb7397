package tlspolicy

import "time"

// pruneMin is the smallest TXT cache that is pruned; every pruneFull-th
// pruning also walks the whole sts and locks maps.
const (
	pruneMin  = 4096
	pruneFull = 8
)

// maybePruneLocked forgets, once the TXT cache has doubled since the
// last pruning (and holds at least pruneMin domains), what the Resolver
// keeps per domain and no longer needs: expired TXT answers; for those
// domains, cached MTA-STS entries that are absent (no policy on disk) or
// expired, and their refresh locks when no one holds them. A bulk sender
// mails millions of distinct domains over months; without this every one
// of them stayed in three maps for the life of the process. Policies
// still in force are kept: with no policy Dir they exist nowhere else, and
// forgetting one early would let a downgrade through (RFC 8461 §5.1).
//
// The sweep holds r.mu, which every lookup takes: it walks the TXT cache
// and looks up only the domains it dropped in the two other maps; every
// pruneFull-th time it walks those whole too, for entries whose TXT
// lookup was never cached (cut by the caller). Doubling makes the cost
// O(1) per lookup.
func (r *Resolver) maybePruneLocked(now time.Time) {
	if len(r.txt) < max(pruneMin, r.pruneAt) {
		return
	}
	var gone []string
	for d, e := range r.txt {
		if !now.Before(e.expires) {
			delete(r.txt, d)
			gone = append(gone, d)
		}
	}
	r.prunes++
	if r.prunes%pruneFull == 0 {
		gone = gone[:0]
		for d := range r.sts {
			gone = append(gone, d)
		}
		for d := range r.locks {
			if _, ok := r.sts[d]; !ok {
				gone = append(gone, d)
			}
		}
	}
	for _, d := range gone {
		r.forgetLocked(d, now)
	}
	r.pruneAt = 2 * len(r.txt)
}

// forgetLocked drops domain's MTA-STS entry if it is absent or expired,
// and its refresh lock if no one holds it, unless its TXT answer is live.
func (r *Resolver) forgetLocked(domain string, now time.Time) {
	if _, live := r.txt[domain]; live {
		return
	}
	if c, ok := r.sts[domain]; ok && (c == nil || !now.Before(c.Expires)) {
		delete(r.sts, domain)
	}
	// A caller that found this lock in the map but has not taken it yet
	// takes the domain's new one instead (lockDomain), so a refresh is
	// never run twice at once.
	if l, ok := r.locks[domain]; ok && l.TryLock() {
		delete(r.locks, domain)
		l.Unlock()
	}
}
