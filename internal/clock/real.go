//go:build !clockshift

package clock

import "time"

// Now is the real clock (time.Now).
func Now() time.Time { return time.Now() }

// Shift is how far [Now] runs ahead of the real clock: zero in every
// build but the clockshift test build.
func Shift() time.Duration { return 0 }
