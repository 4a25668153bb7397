package shaping

import (
	"strings"
	"testing"
	"time"
)

// drive sends at rate messages a second for d, one transaction at a time
// (Reserve, then Observe), the transactions for which refuse returns true
// throttled, and returns how many were.
func drive(p *Policy, k Key, clock *fakeClock, rate float64, d time.Duration, refuse func(i int) bool) int {
	gap := time.Duration(float64(time.Second) / rate)
	n := 0
	for i := 0; time.Duration(i)*gap < d; i++ {
		clock.Advance(gap)
		clock.Advance(p.Reserve(k, 1))
		if refuse(i) {
			p.Observe(k, Throttled, "421 4.7.0 try again later")
			n++
		} else {
			p.Observe(k, Delivered, "")
		}
	}
	return n
}

func oneIn(n int) func(int) bool { return func(i int) bool { return i%n == n-1 } }

// TestShareGate: a throttle among a site's many deliveries is noise and
// cuts nothing, nor restarts anything; throttles that are a meaningful
// share of the recent transactions (or connection attempts) cut.
func TestShareGate(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, trs := newPolicy(t, []Rule{{Name: DefaultRuleName, Rate: 100, QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	if n := drive(p, k, clock, 50, 60*time.Second, oneIn(100)); n != 30 {
		t.Fatalf("%d throttles sent, want 30", n)
	}
	if l := p.Limits(k); l.State != Normal || l.Rate != 100 || len(*trs) != 0 {
		t.Fatalf("1 in 100 throttled: %+v, %d transitions; want normal at 100/s", l, len(*trs))
	}
	// A burst: one in two refused. The gate opens within a few dozen.
	if n := drive(p, k, clock, 50, 2*time.Second, oneIn(2)); n != 50 {
		t.Fatalf("%d throttles sent, want 50", n)
	}
	if l := p.Limits(k); l.State != Backoff || len(*trs) != 1 {
		t.Fatalf("1 in 2 throttled: %+v, %d transitions; want one cut", l, len(*trs))
	}

	// Connections: one refused among 300 attempts is noise; then one in
	// two of the next twenty cut the connections.
	k2 := Key{Source: "b", Site: k.Site}
	for i := range 300 {
		if !p.AcquireConn(k2) {
			t.Fatalf("attempt %d refused a slot", i)
		}
		p.ReleaseConn(k2)
		if i == 150 {
			p.Observe(k2, ConnThrottled, "421 4.3.2 busy, try again later")
		}
	}
	if l := p.Limits(k2); l.State != Normal {
		t.Fatalf("1 in 300 connections refused: %+v", l)
	}
	for i := range 20 {
		p.AcquireConn(k2)
		p.ReleaseConn(k2)
		if i%2 == 0 {
			p.Observe(k2, ConnThrottled, "421 4.7.0 too many connections")
		}
	}
	if l := p.Limits(k2); l.State != Backoff || l.MaxConnections != 5 {
		t.Fatalf("10 in 20 connections refused: %+v, want backoff at 5 connections", l)
	}
}

// TestPositiveFeedback: a site cut while the receiver took all it was
// sent steps back up with its deliveries, though 1 in 100 is still
// throttled, as far as where the cut started; past it only quiet periods
// go. A site cut while the receiver refused much of what it was sent
// steps up only to the rate the receiver delivered.
func TestPositiveFeedback(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, trs := newPolicy(t, []Rule{{Name: DefaultRuleName, Rate: 100, QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	drive(p, k, clock, 50, 20*time.Second, func(int) bool { return false })
	drive(p, k, clock, 50, 400*time.Millisecond, func(int) bool { return true }) // a node restarting
	if l := p.Limits(k); l.State != Backoff || l.Rate < 24 || l.Rate > 26 {
		t.Fatalf("after the burst: %+v, want backoff at 25/s", l)
	}
	drive(p, k, clock, 50, 45*time.Second, oneIn(100))
	l := p.Limits(k)
	if l.State != Backoff || l.Rate < 48 || l.Rate > 52 {
		t.Errorf("45s later, 1 in 100 throttled: %+v, want back at the 50/s sent at the cut", l)
	}
	steps := 0
	for _, tr := range *trs {
		if tr.Reason == "stepped up after deliveries" && tr.From == Backoff && tr.To == Backoff {
			steps++
		}
	}
	if steps < 2 {
		t.Errorf("%d steps up after deliveries, want at least 2: %+v", steps, *trs)
	}
	// Past it, a quiet period (the noise does not restart it), then the
	// rule's rate: normal.
	drive(p, k, clock, 50, 2*time.Minute, oneIn(100))
	if l := p.Limits(k); l.State != Normal || l.Rate != 100 {
		t.Errorf("2 minutes later: %+v, want normal at 100/s", l)
	}

	// A real limit: 40/s sent and accepted, then 100/s sent, 40/s
	// accepted. Feedback restores about the 40/s delivered, not more.
	k2 := Key{Source: "b", Site: k.Site}
	drive(p, k2, clock, 40, 20*time.Second, func(int) bool { return false })
	drive(p, k2, clock, 100, time.Second, func(i int) bool { return i%5 >= 2 })
	l = p.Limits(k2)
	if l.State != Backoff || l.Rate > 40 {
		t.Fatalf("at a real limit: %+v", l)
	}
	cut := l.Rate
	drive(p, k2, clock, 40, 50*time.Second, func(int) bool { return false })
	t.Logf("real limit of 40/s: cut to %.1f/s, restored to %.1f/s by deliveries", cut, p.Limits(k2).Rate)
	if r := p.Limits(k2).Rate; r > 45 || r < cut+(40-cut)/2 {
		t.Errorf("after feedback at a real limit of 40/s: rate %v (cut to %v), want about the 40/s delivered", r, cut)
	}
	for _, tr := range *trs {
		if strings.Contains(tr.Reason, "deliveries") && tr.Limits.Rate > 100 {
			t.Errorf("a step past the rule: %+v", tr)
		}
	}
}
