//go:build clockshift

package clock

import (
	"fmt"
	"os"
	"time"
)

// defaultShift is how far ahead the clockshift build runs when
// SLUICE_CLOCK_SHIFT is unset: three years, past every max age,
// retention and token lifetime sluice has.
const defaultShift = 3 * 365 * 24 * time.Hour

// shift is read once, before any test runs; it never changes after.
var shift = func() time.Duration {
	v := os.Getenv("SLUICE_CLOCK_SHIFT")
	if v == "" {
		return defaultShift
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(fmt.Sprintf("clock: SLUICE_CLOCK_SHIFT=%q: %v", v, err))
	}
	return d
}()

// Now is the real clock moved ahead by SLUICE_CLOCK_SHIFT. The result
// keeps its monotonic reading (time.Time.Add moves both), so durations
// between two of its instants are real durations.
func Now() time.Time { return time.Now().Add(shift) }

// Real is the real clock, not shifted: for instants that parties outside
// sluice read against their own clocks (DKIM t= and x=).
func Real() time.Time { return time.Now() }

// Shift is how far [Now] runs ahead of the real clock.
func Shift() time.Duration { return shift }
