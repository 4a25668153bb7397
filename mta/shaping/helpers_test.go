package shaping

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is the injected clock of the tests: time moves only when the
// test moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newPolicy returns a Policy over rules on clock, recording transitions.
func newPolicy(t testing.TB, rules []Rule, clock *fakeClock) (*Policy, *[]Transition) {
	t.Helper()
	var mu sync.Mutex
	var trs []Transition
	p, err := New(rules, Options{Now: clock.Now, OnTransition: func(tr Transition) {
		mu.Lock()
		trs = append(trs, tr)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	return p, &trs
}
