package clock

import (
	"testing"
	"time"
)

func TestNowFollowsTheRealClockPlusShift(t *testing.T) {
	before := time.Now()
	got := Now()
	after := time.Now()
	if got.Before(before.Add(Shift())) || got.After(after.Add(Shift())) {
		t.Fatalf("Now() = %v, want within [%v, %v] + %v", got, before, after, Shift())
	}
	// Durations between two instants of Now are real durations.
	a := Now()
	time.Sleep(time.Millisecond)
	if d := Now().Sub(a); d < time.Millisecond || d > time.Minute {
		t.Fatalf("Now().Sub(a) = %v after a 1ms sleep", d)
	}
}

func TestOr(t *testing.T) {
	fixed := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if got := Or(func() time.Time { return fixed })(); !got.Equal(fixed) {
		t.Fatalf("Or(fixed)() = %v", got)
	}
	if got := Or(nil)(); got.Sub(time.Now().Add(Shift())).Abs() > time.Minute {
		t.Fatalf("Or(nil)() = %v, want Now()", got)
	}
}

func TestRealIsNeverShifted(t *testing.T) {
	before := time.Now()
	got := Real()
	if got.Before(before) || got.After(time.Now()) {
		t.Fatalf("Real() = %v, want the real clock (%v…)", got, before)
	}
}
