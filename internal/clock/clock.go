// Package clock is sluice's one seam for the real clock.
//
// Every component takes an injected clock (a func() time.Time); when none
// is given, its default is [Now], never time.Now directly. Normally Now is
// time.Now. Built with the tag clockshift (test runs only: see
// .ci/run), Now runs ahead of the real clock by SLUICE_CLOCK_SHIFT (a Go
// duration; default three years), so that a test which mixes a fixed
// fixture instant with a component left on its default clock fails today,
// not on the day the calendar passes a max age, a retention or a token
// lifetime. Moving fixtures forward would hide such a bug; moving the
// clock forward exposes it.
//
// [Real] is the unshifted clock in every build, for instants that the
// outside world reads against its own clock (a DKIM signature's t=, which
// receivers' verifiers compare with theirs): shifting it would only make
// independent verifiers refuse the test's signatures.
//
// Now is for instants that are stored, compared or signed (event times,
// due times, expiry, retention, token and signature ages). Deadlines on
// network connections and latency measurements keep using time.Now and
// time.Since: they are about the real passage of time, and a shifted
// deadline would be years away.
package clock

import "time"

// Func is a clock: it returns the current instant.
type Func func() time.Time

// Or returns now when it is set, else [Now]: the default every
// component's options apply.
func Or(now Func) Func {
	if now != nil {
		return now
	}
	return Now
}
