package shaping

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// memShared is Shared in memory, standing in for the fleet's Redis
// between Policies of one test (fleet's own tests run it on a real
// redis-server). Its rate is a GCRA on the test's clock.
type memShared struct {
	now func() time.Time

	mu      sync.Mutex
	conns   map[string]int
	tat     map[string]time.Time
	until   map[string]time.Time
	reports int
}

func newMemShared(now func() time.Time) *memShared {
	return &memShared{now: now, conns: map[string]int{}, tat: map[string]time.Time{}, until: map[string]time.Time{}}
}

func (m *memShared) AcquireConn(key string, limit int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns[key] >= limit {
		return false
	}
	m.conns[key]++
	return true
}

func (m *memShared) ReleaseConn(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns[key] > 0 {
		m.conns[key]--
	}
}

func (m *memShared) Reserve(key string, rate, burst float64, n int) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	T := time.Duration(float64(time.Second) / rate)
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	m.tat[key] = tat.Add(time.Duration(n) * T)
	return max(0, m.tat[key].Add(-time.Duration(max(1, burst))*T).Sub(now))
}

func (m *memShared) Throttled(key string, until time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reports++
	if until.After(m.until[key]) {
		m.until[key] = until
	}
}

func (m *memShared) Backoff(key string) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.until[key]
}

func (m *memShared) held(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.conns[key]
}

// sharedPolicies returns n Policies (the nodes of a fleet) over rules,
// sharing sh, on clock.
func sharedPolicies(t *testing.T, n int, rules []Rule, clock *fakeClock, sh Shared) []*Policy {
	t.Helper()
	ps := make([]*Policy, n)
	for i := range ps {
		p, err := New(rules, Options{Now: clock.Now, Shared: sh})
		if err != nil {
			t.Fatal(err)
		}
		ps[i] = p
	}
	return ps
}

// TestSharedConnectionsHoldAcrossNodes: three nodes with a site limit of
// 4 connections each get 4 together, the refused local slot is given
// back, and a release (or a shed) frees the shared slot for another node.
func TestSharedConnectionsHoldAcrossNodes(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	sh := newMemShared(clock.Now)
	ps := sharedPolicies(t, 3, []Rule{{Name: "default", MaxConnections: 4}}, clock, sh)
	site := func(p *Policy) Key {
		return Key{Source: "192.0.2.1", Site: p.Site("example.net", []string{"mx.example.net"})}
	}
	const key = "192.0.2.1|mx.example.net"

	got := 0
	for range 3 {
		for _, p := range ps {
			if p.AcquireConn(site(p)) {
				got++
			}
		}
	}
	if got != 4 || sh.held(key) != 4 {
		t.Fatalf("three nodes took %d connections (shared %d), want the limit 4", got, sh.held(key))
	}
	// A node refused by the fleet kept no local slot: its own limit is
	// still free for when the fleet has room.
	third := ps[2]
	if st := third.Status(); len(st) != 1 || st[0].Open != 1 {
		t.Fatalf("third node's local count: %+v, want 1 open (its one granted slot)", st)
	}
	ps[0].ReleaseConn(site(ps[0]))
	if sh.held(key) != 3 || !third.AcquireConn(site(third)) {
		t.Fatalf("a release did not free a shared slot for another node (held %d)", sh.held(key))
	}
	if third.AcquireConn(site(third)) {
		t.Fatal("a fifth connection was granted")
	}
}

// TestSharedBackoffSlowsOtherNodes: node A's throttle replies cut its
// rate and are reported once; node B, which saw none, cuts its own rate
// for the site the next time it reserves, and only once per report.
func TestSharedBackoffSlowsOtherNodes(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	sh := newMemShared(clock.Now)
	var mu sync.Mutex
	var trsB []Transition
	rules := []Rule{{Name: "default", MaxConnections: 8, Rate: 100, MinRate: 1, QuietPeriod: time.Minute}}
	a, err := New(rules, Options{Now: clock.Now, Shared: sh})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(rules, Options{Now: clock.Now, Shared: sh, OnTransition: func(tr Transition) {
		mu.Lock()
		trsB = append(trsB, tr)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	ka := Key{Site: a.Site("example.net", []string{"mx.example.net"})}
	kb := Key{Site: b.Site("example.net", []string{"mx.example.net"})}
	// Each node sends 20 messages a second for 20 s (40/s together).
	for i := range 20 {
		clock.Set(start.Add(time.Duration(i) * time.Second))
		a.Reserve(ka, 20)
		b.Reserve(kb, 20)
	}
	clock.Set(start.Add(20 * time.Second))
	a.Observe(ka, Throttled, "451 4.7.650 rate limited")
	if l := a.Limits(ka); l.State != Backoff || l.Rate != 10 {
		t.Fatalf("A after its throttle: %+v, want backoff at 10/s", l)
	}
	if sh.reports != 1 {
		t.Fatalf("%d reports, want 1", sh.reports)
	}
	if l := b.Limits(kb); l.State != Normal {
		t.Fatalf("B backed off before asking: %+v", l)
	}
	b.Reserve(kb, 1)
	l := b.Limits(kb)
	if l.State != Backoff || math.Abs(l.Rate-10) > 0.1 {
		t.Fatalf("B after A's report: %+v, want backoff at half its measured 20/s", l)
	}
	if len(trsB) != 1 || !strings.Contains(trsB[0].Reason, "another node") {
		t.Fatalf("B's transitions: %+v", trsB)
	}
	// The same report applies once: the next reserves cut nothing more,
	// and A does not cut again on its own report.
	clock.Advance(10 * time.Second) // past the rule's hold
	b.Reserve(kb, 1)
	a.Reserve(ka, 1)
	if lb, la := b.Limits(kb), a.Limits(ka); lb.Rate != l.Rate || la.Rate != 10 {
		t.Fatalf("a report applied twice: A %v/s, B %v/s", la.Rate, lb.Rate)
	}
}

// TestSharedRateHoldsFleetWide: two nodes at a rule rate of 10/s, each
// sending 10 a second, wait as one sender at 10/s: the later of the local
// and the fleet's reservation.
func TestSharedRateHoldsFleetWide(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	sh := newMemShared(clock.Now)
	ps := sharedPolicies(t, 2, []Rule{{Name: "default", MaxConnections: 8, Rate: 10, Burst: 10}}, clock, sh)
	var last time.Duration
	for i := range 10 {
		for _, p := range ps {
			last = p.Reserve(Key{Site: p.Site("example.net", nil)}, 1)
		}
		if i < 4 && last != 0 {
			t.Fatalf("message %d waits %v within the burst", 2*i+1, last)
		}
	}
	// 20 messages at 10/s with a burst of 10: the last is due 1 s after
	// the first (the 11th waits 0.1 s).
	if last != time.Second {
		t.Fatalf("the 20th message waits %v, want 1s (the fleet's rate)", last)
	}
}

// TestSharedShedReleasesTheSlot: a connection shed after a cut gives its
// fleet-wide slot back.
func TestSharedShedReleasesTheSlot(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	sh := newMemShared(clock.Now)
	p := sharedPolicies(t, 1, []Rule{{Name: "default", MaxConnections: 4, QuietPeriod: time.Minute}}, clock, sh)[0]
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	for range 4 {
		if !p.AcquireConn(k) {
			t.Fatal("slot refused under the limit")
		}
	}
	p.Observe(k, ConnThrottled, "421 4.7.0 too many connections")
	shed := 0
	for range 4 {
		if p.ShedConn(k) {
			shed++
		}
	}
	if want := 4 - p.Limits(k).MaxConnections; shed != want || sh.held("|mx.example.net") != 4-shed {
		t.Fatalf("shed %d (want %d), shared slots held %d", shed, want, sh.held("|mx.example.net"))
	}
}
