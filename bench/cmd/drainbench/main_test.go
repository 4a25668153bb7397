package main

import (
	"testing"
	"time"
)

// TestSummarize: the drain's window runs from the release's second to the
// last delivery's, the steady rate is the median second of its middle,
// and a second without deliveries inside the window is counted.
func TestSummarize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		counts          []int64
		expect          int
		release, last   time.Duration
		steady, mean    float64
		zeros, nSeconds int
	}{
		{"even", []int64{0, 0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}, 1000,
			2 * time.Second, 12 * time.Second, 100, 100, 0, 10},
		{"a stall", []int64{100, 100, 100, 0, 0, 100, 100, 100, 100, 100, 100, 100}, 1000,
			0, 12 * time.Second, 100, 1000.0 / 12, 2, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := result{Expect: tc.expect}
			summarize(&r, tc.counts, tc.release, tc.last)
			if r.SteadyPerSec != tc.steady || r.MeanPerSec != tc.mean || r.ZeroSeconds != tc.zeros {
				t.Errorf("steady %v mean %v zeros %d, want %v %v %d", r.SteadyPerSec, r.MeanPerSec, r.ZeroSeconds, tc.steady, tc.mean, tc.zeros)
			}
			if len(r.PerSecond) != tc.nSeconds {
				t.Errorf("%d seconds in the window, want %d", len(r.PerSecond), tc.nSeconds)
			}
		})
	}
}
