package shaping

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestBackoffCutAndGradualRestore follows one site through a throttle:
// the rate is cut from the rate measured, echoes of the same overload cut
// nothing more, and each quiet period steps it up: half way back to where
// it was throttled, then past it, until the rule's own limits.
func TestBackoffCutAndGradualRestore(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	p, trs := newPolicy(t, []Rule{{Name: "default", MaxConnections: 8, Rate: 100, MinRate: 1, QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}

	// Send 50 messages a second, half the rule's rate, for 20 seconds.
	for i := range 20 {
		clock.Set(start.Add(time.Duration(i) * time.Second))
		if w := p.Reserve(k, 50); w != 0 {
			t.Fatalf("second %d: waits %v under the rate", i, w)
		}
	}
	clock.Set(start.Add(20 * time.Second))
	p.Observe(k, Throttled, "451 4.7.650 rate limited")
	l := p.Limits(k)
	if l.State != Backoff || l.Rate != 25 || l.MaxConnections != 8 {
		t.Fatalf("after the throttle: %+v, want backoff at 25/s (half the 50/s measured), 8 connections", l)
	}
	if l.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %v, want the quiet period", l.RetryAfter)
	}
	// The new rate starts from an empty bucket.
	if w := p.Reserve(k, 1); w != 40*time.Millisecond {
		t.Errorf("first message after the cut waits %v, want 40ms (1/25 s)", w)
	}

	// An echo (a transaction already under way) 2s later: no second cut,
	// but the quiet period starts again.
	clock.Advance(2 * time.Second)
	p.Observe(k, Throttled, "451 4.7.650 rate limited")
	if r := p.Limits(k).Rate; r != 25 {
		t.Fatalf("echo cut the rate to %v", r)
	}
	clock.Advance(time.Minute - time.Nanosecond)
	if r := p.Limits(k).Rate; r != 25 {
		t.Fatalf("stepped up to %v before a quiet period", r)
	}
	for i, want := range []float64{37.5, 43.75, 46.875, 50, 100} {
		clock.Advance(time.Minute)
		l := p.Limits(k)
		if math.Abs(l.Rate-want) > 1e-9 {
			t.Errorf("quiet period %d: rate %v, want %v", i+1, l.Rate, want)
		}
		if wantState := map[bool]State{true: Normal, false: Backoff}[want == 100]; l.State != wantState {
			t.Errorf("quiet period %d: state %v, want %v", i+1, l.State, wantState)
		}
	}
	if got := p.Limits(k); got.RetryAfter != 0 || got.Rate != 100 || got.MaxConnections != 8 {
		t.Errorf("restored limits: %+v", got)
	}

	// Transitions: the cut, four steps up, back to normal.
	got := *trs
	if len(got) != 6 {
		t.Fatalf("%d transitions, want 6: %+v", len(got), got)
	}
	if tr := got[0]; tr.From != Normal || tr.To != Backoff || !strings.Contains(tr.Reason, "4.7.650") || tr.Limits.Rate != 25 || tr.Key != k {
		t.Errorf("first transition: %+v", tr)
	}
	for _, tr := range got[1:5] {
		if tr.From != Backoff || tr.To != Backoff {
			t.Errorf("step transition: %+v", tr)
		}
	}
	if tr := got[5]; tr.From != Backoff || tr.To != Normal || tr.Limits.Rate != 100 {
		t.Errorf("last transition: %+v", tr)
	}
}

// TestBackoffAfterIdle: a site left alone while backed off takes all the
// steps it is owed at once when next asked.
func TestBackoffAfterIdle(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, trs := newPolicy(t, []Rule{{Name: "default", Rate: 100, QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	p.Observe(k, Throttled, "421 4.7.0 try again later")
	if r := p.Limits(k).Rate; r != 50 {
		t.Fatalf("rate after the cut %v, want 50 (the rule's, as none was measured yet)", r)
	}
	clock.Advance(time.Hour)
	if l := p.Limits(k); l.State != Normal || l.Rate != 100 {
		t.Errorf("after an idle hour: %+v", l)
	}
	if n := len(*trs); n != 2 {
		t.Errorf("%d transitions, want 2 (the cut, one for all the steps)", n)
	}
}

// TestBackoffUnlimitedRule: a rule without a rate gets one from the rate
// measured when throttled, and loses it again once a probe above the
// throttled rate goes quietly.
func TestBackoffUnlimitedRule(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	p, _ := newPolicy(t, []Rule{{Name: "default", QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	for i := range 20 {
		clock.Set(start.Add(time.Duration(i) * time.Second))
		p.Reserve(k, 40)
	}
	clock.Set(start.Add(20 * time.Second))
	p.Observe(k, Throttled, "421-4.7.28 unusual rate")
	if r := p.Limits(k).Rate; r != 20 {
		t.Fatalf("rate after the cut %v, want 20", r)
	}
	for i, want := range []float64{30, 35, 37.5, 40, 80, 0} {
		clock.Advance(time.Minute)
		if r := p.Limits(k).Rate; r != want {
			t.Errorf("quiet period %d: rate %v, want %v", i+1, r, want)
		}
	}
	if s := p.Limits(k).State; s != Normal {
		t.Errorf("state %v, want normal", s)
	}
}

// TestBackoffConnections: a throttle on connecting cuts the connections
// open, ShedConn closes the excess, and the count steps back up.
func TestBackoffConnections(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", MaxConnections: 8, QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	for i := range 6 {
		if !p.AcquireConn(k) {
			t.Fatalf("connection %d refused", i+1)
		}
	}
	// The seventh is refused by the receiver: give its slot back first.
	if !p.AcquireConn(k) {
		t.Fatal("connection 7 refused")
	}
	p.ReleaseConn(k)
	p.Observe(k, ConnThrottled, "421 4.7.0 too many connections")
	l := p.Limits(k)
	if l.State != Backoff || l.MaxConnections != 3 || l.Rate != 0 {
		t.Fatalf("after the throttle: %+v, want 3 connections (half the 6 open), no rate", l)
	}
	if p.AcquireConn(k) {
		t.Error("new connection allowed with 6 open, limit 3")
	}
	shed := 0
	for range 6 {
		if p.ShedConn(k) {
			shed++
		}
	}
	if shed != 3 {
		t.Errorf("shed %d connections, want 3", shed)
	}
	for i, want := range []int{4, 5, 6, 8} {
		clock.Advance(time.Minute)
		if got := p.Limits(k).MaxConnections; got != want {
			t.Errorf("quiet period %d: %d connections, want %d", i+1, got, want)
		}
	}
	if s := p.Limits(k).State; s != Normal {
		t.Errorf("state %v, want normal", s)
	}
	for range 3 {
		p.ReleaseConn(k)
	}
	p.ReleaseConn(k) // one too many: ignored
	if st := p.Status(); st[0].Open != 0 {
		t.Errorf("open = %d", st[0].Open)
	}
}

// TestBackoffConnThrottleAtOneConnection: at one connection there is no
// connection to cut, so a throttle on connecting cuts the rate.
func TestBackoffConnThrottleAtOneConnection(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", MaxConnections: 1, Rate: 10}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	p.Observe(k, ConnThrottled, "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred")
	if l := p.Limits(k); l.MaxConnections != 1 || l.Rate != 5 {
		t.Errorf("limits %+v, want 1 connection at 5/s", l)
	}
}

// TestBackoffFloor: repeated throttles never cut below one connection and
// the rule's minimum rate.
func TestBackoffFloor(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", MaxConnections: 4, Rate: 8, MinRate: 0.5, QuietPeriod: time.Minute}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	for i := range 20 {
		if i%2 == 0 {
			p.Observe(k, Throttled, "451 4.7.0 rate limited")
		} else {
			p.Observe(k, ConnThrottled, "421 too many connections")
		}
		clock.Advance(10 * time.Second)
	}
	if l := p.Limits(k); l.Rate != 0.5 || l.MaxConnections != 1 {
		t.Errorf("limits %+v, want the floor: 0.5/s, 1 connection", l)
	}
}

// TestSuspension: consecutive connection failures suspend the site, for
// longer each time it fails again, up to the maximum; a reply from the
// server starts over.
func TestSuspension(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, trs := newPolicy(t, []Rule{{Name: "default", QuietPeriod: time.Hour}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	fail := func() { p.Observe(k, ConnectFailed, "dial tcp 192.0.2.25:25: connect: connection refused") }
	for range 4 {
		fail()
	}
	if l := p.Limits(k); l.State != Normal {
		t.Fatalf("suspended after 4 failures: %+v", l)
	}
	fail()
	l := p.Limits(k)
	if l.State != Suspended || !l.SuspendedUntil.Equal(clock.Now().Add(time.Minute)) || l.RetryAfter != time.Minute {
		t.Fatalf("after 5 failures: %+v, want suspended for 1m", l)
	}
	if p.AcquireConn(k) {
		t.Error("connection allowed while suspended")
	}
	fail() // an attempt already under way: does not extend it
	if got := p.Limits(k).SuspendedUntil; !got.Equal(l.SuspendedUntil) {
		t.Errorf("suspension extended to %v", got)
	}
	// Each new failure after a suspension suspends again, twice as long.
	for _, want := range []time.Duration{2, 4, 8, 16, 30, 30} {
		clock.Set(p.Limits(k).SuspendedUntil)
		if s := p.Limits(k).State; s != Normal {
			t.Fatalf("state %v at the suspension's end", s)
		}
		if !p.AcquireConn(k) {
			t.Fatal("no connection after the suspension")
		}
		p.ReleaseConn(k)
		fail()
		if got := p.Limits(k).SuspendedUntil.Sub(clock.Now()); got != want*time.Minute {
			t.Errorf("suspended for %v, want %v", got, want*time.Minute)
		}
	}
	// The server answers on a connection opened before: reachable.
	p.Observe(k, TempFailed, "450 4.2.1 mailbox busy")
	if s := p.Limits(k).State; s != Normal {
		t.Fatalf("state %v after a reply", s)
	}
	for range 4 {
		fail()
	}
	if s := p.Limits(k).State; s != Normal {
		t.Fatalf("suspended after 4 failures following a reply")
	}
	fail()
	if got := p.Limits(k).SuspendedUntil.Sub(clock.Now()); got != time.Minute {
		t.Errorf("first suspension after a reply lasts %v, want 1m again", got)
	}
	var kinds []string
	for _, tr := range *trs {
		kinds = append(kinds, tr.From.String()+">"+tr.To.String())
	}
	if got, want := strings.Join(kinds, " "), "normal>suspended suspended>normal normal>suspended"; !strings.HasPrefix(got, want) {
		t.Errorf("transitions %s, want %s…", got, want)
	}
	if tr := (*trs)[0]; !strings.Contains(tr.Reason, "5 connection failures") || !strings.Contains(tr.Reason, "connection refused") {
		t.Errorf("reason %q", tr.Reason)
	}
}

// TestSuspensionKeepsBackoff: a suspension of a backed-off site returns to
// backoff, and throttles while suspended cut nothing.
func TestSuspensionKeepsBackoff(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", Rate: 100, QuietPeriod: time.Hour, SuspendAfter: 2}}, clock)
	k := Key{Site: p.Site("example.net", []string{"mx.example.net"})}
	p.Observe(k, Throttled, "421 4.7.0 try again later")
	p.Observe(k, ConnectFailed, "timeout")
	p.Observe(k, ConnectFailed, "timeout")
	if s := p.Limits(k).State; s != Suspended {
		t.Fatalf("state %v", s)
	}
	clock.Advance(time.Minute)
	if l := p.Limits(k); l.State != Backoff || l.Rate != 50 {
		t.Errorf("after the suspension: %+v, want backoff at 50/s", l)
	}
	if p.ShedConn(k) {
		t.Error("shed a connection that was never acquired")
	}
}

// TestShedConnWhileSuspended: open connections go when the site is
// suspended.
func TestShedConnWhileSuspended(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", SuspendAfter: 1}}, clock)
	k := Key{}
	p.AcquireConn(k)
	p.AcquireConn(k)
	p.Observe(k, ConnectFailed, "refused")
	shed := 0
	for range 3 {
		if p.ShedConn(k) {
			shed++
		}
	}
	if shed != 2 {
		t.Errorf("shed %d connections, want both and no more", shed)
	}
}

func TestObserveCounts(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, nil, clock)
	k := Key{Source: "pool-a", Site: p.Site("example.net", []string{"mx.example.net"})}
	for _, o := range []Outcome{Delivered, Delivered, Throttled, ConnThrottled, ConnectFailed, TempFailed, PermFailed, Greylisted, Greylisted, Ignore, Outcome(99)} {
		p.Observe(k, o, "")
	}
	st := p.Status()
	if len(st) != 1 {
		t.Fatalf("%d states", len(st))
	}
	want := Counts{Delivered: 2, Throttled: 2, ConnectFailed: 1, TempFailed: 1, PermFailed: 1, Greylisted: 2}
	if st[0].Counts != want || st[0].Key != k {
		t.Errorf("status %+v, want counts %+v", st[0], want)
	}
	for o, want := range map[Outcome]string{Ignore: "ignore", Delivered: "delivered", ConnThrottled: "conn_throttled", Greylisted: "greylisted", Outcome(99): "Outcome(99)"} {
		if o.String() != want {
			t.Errorf("%d.String() = %q", int(o), o.String())
		}
	}
	if State(7).String() != "State(7)" || Suspended.String() != "suspended" {
		t.Error("State.String")
	}
}
