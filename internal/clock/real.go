//go:build !clockshift

package clock

import "time"

// Now is the real clock (time.Now).
func Now() time.Time { return time.Now() }

// Real is the real clock in every build, the clockshift one included: for
// instants that parties outside sluice read against their own clocks
// (a DKIM signature's t= and x=, which receivers' verifiers compare with
// theirs). Everything sluice itself stores or compares uses [Now].
func Real() time.Time { return time.Now() }

// Shift is how far [Now] runs ahead of the real clock: zero in every
// build but the clockshift test build.
func Shift() time.Duration { return 0 }
