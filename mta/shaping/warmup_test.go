package shaping

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sluice/internal/clock"
)

// manualClock is one test's clock, moved by the test only.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// newDayClock starts at 10:00 UTC of today's date (any date will do).
func newDayClock() *manualClock {
	return &manualClock{now: utcDay(clock.Now()).Add(10 * time.Hour)}
}

// TestWarmupAllowanceAndRollover: a source on day 1 of a curve [3, 5]
// gets 3 per site (each site its own count, a per-site curve overriding),
// partial grants, Give returns; at the next UTC midnight day 2's allowance
// applies from zero; past the curve the source is unlimited; a source on
// no schedule always is.
func TestWarmupAllowanceAndRollover(t *testing.T) {
	t.Parallel()
	clk := newDayClock()
	w, err := NewWarmup(WarmupOptions{Now: clk.Now, Sources: []WarmupSource{
		{Name: "new", Curve: []int{3, 5}, Sites: map[string][]int{"gmail": {1, 2}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		source, site string
		n, want      int
	}{
		{"new", "default", 2, 2},
		{"new", "default", 2, 1}, // partial: 3 a day
		{"new", "default", 1, 0},
		{"new", "gmail", 5, 1}, // its own curve and count
		{"old", "default", 1000, 1000},
	}
	for _, s := range steps {
		if got := w.Take(s.source, s.site, s.n); got != s.want {
			t.Errorf("Take(%s, %s, %d) = %d, want %d", s.source, s.site, s.n, got, s.want)
		}
	}
	w.Give("new", "default", 1)
	if got := w.Left("new", "default"); got != 1 {
		t.Errorf("after Give, left %d, want 1", got)
	}
	if got := w.Left("old", "default"); got != -1 {
		t.Errorf("unscheduled source left %d, want -1 (unlimited)", got)
	}
	next := w.NextDay()
	if want := utcDay(clk.Now()).Add(24 * time.Hour); !next.Equal(want) {
		t.Errorf("NextDay %v, want %v", next, want)
	}
	clk.Set(next) // day 2
	if got := w.Take("new", "default", 10); got != 5 {
		t.Errorf("day 2 took %d, want 5", got)
	}
	if got := w.Take("new", "gmail", 10); got != 2 {
		t.Errorf("day 2 gmail took %d, want 2", got)
	}
	st := w.Status()
	if len(st) != 1 || st[0].Day != 2 || st[0].Allowance != 5 || st[0].Days != 2 {
		t.Fatalf("status %+v, want day 2 of 2 with allowance 5", st)
	}
	clk.Set(next.Add(24 * time.Hour)) // day 3: past the curve
	if got := w.Take("new", "default", 1e6); got != 1e6 {
		t.Errorf("past the curve took %d, want all", got)
	}
	if got := w.Left("new", "gmail"); got != -1 {
		t.Errorf("past the curve left %d, want unlimited", got)
	}
}

// TestWarmupStartAndDefaultCurve: a configured start in the future sends
// nothing; a source without a curve follows DefaultWarmupCurve from the
// day it was first seen.
func TestWarmupStartAndDefaultCurve(t *testing.T) {
	t.Parallel()
	clk := newDayClock()
	w, err := NewWarmup(WarmupOptions{Now: clk.Now, Sources: []WarmupSource{
		{Name: "later", Start: clk.Now().Add(48 * time.Hour)},
		{Name: "fresh"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Take("later", "gmail", 10); got != 0 {
		t.Errorf("before its start took %d, want 0", got)
	}
	if got, want := w.Left("fresh", "yahoo"), DefaultWarmupCurve()[0]; got != want {
		t.Errorf("fresh source left %d, want day 1 of the default curve, %d", got, want)
	}
}

// TestWarmupSurvivesRestart: the day's counts and a first-seen start date
// come back from the state file; counts of an earlier day do not.
func TestWarmupSurvivesRestart(t *testing.T) {
	t.Parallel()
	clk := newDayClock()
	path := filepath.Join(t.TempDir(), "warmup.json")
	opts := WarmupOptions{Now: clk.Now, Path: path, Sources: []WarmupSource{{Name: "new", Curve: []int{10, 20}}}}
	w, err := NewWarmup(opts)
	if err != nil {
		t.Fatal(err)
	}
	w.Take("new", "gmail", 7)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Hour))
	w2, err := NewWarmup(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := w2.Left("new", "gmail"); got != 3 {
		t.Errorf("after restart left %d, want 3", got)
	}
	clk.Set(w2.NextDay().Add(time.Hour))
	w3, err := NewWarmup(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := w3.Left("new", "gmail"); got != 20 {
		t.Errorf("next day after restart left %d, want day 2's 20 (the start date kept)", got)
	}
}

func TestWarmupRejectsBadSchedules(t *testing.T) {
	t.Parallel()
	for name, src := range map[string][]WarmupSource{
		"no name":        {{}},
		"twice":          {{Name: "a"}, {Name: "a"}},
		"negative":       {{Name: "a", Curve: []int{1, -1}}},
		"empty override": {{Name: "a", Sites: map[string][]int{"gmail": {}}}},
	} {
		if _, err := NewWarmup(WarmupOptions{Sources: src}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
