package shaping

import "time"

// WarmupShared counts warm-up allowances for the whole fleet when several
// nodes send from the same sources (package sluice/fleet implements it on
// Redis): a new IP shared by three nodes must send each site the day's
// allowance once, not three times. A Warmup given one (SetShared) still
// decides who is on a schedule, which day of the curve it is and what the
// allowance is; WarmupShared only counts. Day is the UTC midnight that
// starts the Warmup's day (its clock, so that the curve's day and the
// count's day agree).
//
// Every method is called without the Warmup's lock held and must answer
// quickly: when the shared store does not answer, answer from this node's
// share (what was left of the day when it last read the count ÷ the nodes
// last seen), never block mail.
type WarmupShared interface {
	// Take counts up to n messages from source to site on day against
	// allowance and returns how many it counted (0 to n).
	Take(source, site string, day time.Time, n, allowance int) int
	// Give uncounts n messages taken on day and not sent after all.
	Give(source, site string, day time.Time, n int)
	// Left returns what source may still send site on day out of
	// allowance, from what this node last read: never a round trip, so it
	// may be stale (Take decides).
	Left(source, site string, day time.Time, allowance int) int
}

// SetShared makes w count allowances with s, fleet-wide, instead of in
// its own counts (which then record this node's sends only: the state
// file and Status). Call it before w is first used; nil: this node's
// counts alone decide.
func (w *Warmup) SetShared(s WarmupShared) {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.shared = s
	w.mu.Unlock()
}
