package main

import (
	"runtime/debug"
	"testing"
)

// sluice serve and sluice edge collect garbage at GOGC=400 unless GOGC is
// set; an operator's GOGC wins.
func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	t.Setenv("GOGC", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Fatalf("GOGC unset: GC percent %d, want 400", got)
	}
	t.Setenv("GOGC", "150")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set: tuneGC changed the GC percent to %d", got)
	}
}
