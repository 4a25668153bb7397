package shaping

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSiteGoogleHostedDomains: gmail.com, googlemail.com and a thousand
// Workspace domains, with the MX sets Google has handed out over the
// years, are one site with one state, so they share one budget.
func TestSiteGoogleHostedDomains(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, DefaultRules(), clock)
	mxSets := [][]string{
		{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com", "alt2.gmail-smtp-in.l.google.com", "alt3.gmail-smtp-in.l.google.com", "alt4.gmail-smtp-in.l.google.com"},
		{"ASPMX.L.GOOGLE.COM.", "ALT1.ASPMX.L.GOOGLE.COM.", "ALT2.ASPMX.L.GOOGLE.COM.", "ASPMX2.GOOGLEMAIL.COM.", "ASPMX3.GOOGLEMAIL.COM."},
		{"smtp.google.com"},
		{"aspmx2.googlemail.com", "aspmx.l.google.com"},
	}
	want := p.Site("gmail.com", mxSets[0])
	domains := []string{"gmail.com", "googlemail.com"}
	for i := range 1000 {
		domains = append(domains, fmt.Sprintf("customer%d.example", i))
	}
	for i, d := range domains {
		s := p.Site(d, mxSets[i%len(mxSets)])
		if s != want {
			t.Fatalf("Site(%s) = %v, want %v", d, s, want)
		}
		p.Reserve(Key{Site: s}, 1)
	}
	if n := len(p.Status()); n != 1 {
		t.Errorf("%d states for Google-hosted domains, want 1", n)
	}
}

// TestSiteDefaultMXSet: without a rule, the site is the MX set, whatever
// the order, case and repetition of its names.
func TestSiteDefaultMXSet(t *testing.T) {
	t.Parallel()
	p, _ := newPolicy(t, nil, newFakeClock())
	a := p.Site("one.example", []string{"mx2.hoster.example", "mx1.hoster.example"})
	b := p.Site("two.example", []string{"MX1.hoster.example.", "mx2.hoster.example", "mx1.hoster.example"})
	c := p.Site("three.example", []string{"mx1.hoster.example"})
	if a != b {
		t.Errorf("same MX set, different sites: %v, %v", a, b)
	}
	if a == c {
		t.Errorf("different MX sets, same site %v", a)
	}
	if a.Name() != "mx1.hoster.example,mx2.hoster.example" {
		t.Errorf("site name %q", a.Name())
	}
}

// TestKeySourcesAreSeparate: each egress source has its own state at a
// site, since receivers count per sending IP.
func TestKeySourcesAreSeparate(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", Rate: 1, MaxConnections: 1}}, clock)
	site := p.Site("example.net", []string{"mx.example.net"})
	a, b := Key{Source: "192.0.2.1", Site: site}, Key{Source: "192.0.2.2", Site: site}
	if w := p.Reserve(a, 1); w != 0 {
		t.Errorf("first reservation at a waits %v", w)
	}
	if w := p.Reserve(b, 1); w != 0 {
		t.Errorf("first reservation at b waits %v: sources share a bucket", w)
	}
	if w := p.Reserve(a, 1); w != time.Second {
		t.Errorf("second reservation at a waits %v, want 1s", w)
	}
	if !p.AcquireConn(a) || !p.AcquireConn(b) {
		t.Error("sources share connection slots")
	}
	if p.AcquireConn(a) {
		t.Error("a second connection at a, limit 1")
	}
	p.Observe(a, Throttled, "421 4.7.0 try again later")
	if got := p.Limits(b).State; got != Normal {
		t.Errorf("b is %v after a throttle at a", got)
	}
}

// TestSweepForgetsIdleSites: idle sites in their normal state are
// forgotten; sites in backoff or holding connections are kept.
func TestSweepForgetsIdleSites(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", Rate: 10}}, clock)
	site := func(i int) Site { return p.Site("", []string{fmt.Sprintf("mx%d.example", i)}) }
	for i := range 100 {
		p.Reserve(Key{Site: site(i)}, 5)
	}
	backedOff, holding := Key{Site: site(0)}, Key{Site: site(1)}
	p.Observe(backedOff, Throttled, "451 4.7.650 rate limited")
	p.AcquireConn(holding)
	clock.Advance(11 * time.Minute)
	p.Limits(Key{Site: site(1000)})
	st := p.Status()
	if len(st) != 3 {
		t.Fatalf("%d states after the sweep, want 3 (backed off, holding a connection, new)", len(st))
	}
	for _, s := range st {
		if s.Key == backedOff && s.Limits.State != Backoff {
			t.Errorf("backed-off site swept or restored: %+v", s)
		}
		if s.Key == holding && s.Open != 1 {
			t.Errorf("holding site lost its connection count: %+v", s)
		}
	}
}

// TestConcurrentUse drives one Policy from many goroutines, for the race
// detector; the connection count must come out even.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{{Name: "default", MaxConnections: 4, Rate: 1000, QuietPeriod: time.Second}}, clock)
	keys := []Key{
		{Site: p.Site("a.example", []string{"mx.a.example"})},
		{Source: "b", Site: p.Site("a.example", []string{"mx.a.example"})},
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			k := keys[g%len(keys)]
			for i := range 500 {
				if p.AcquireConn(k) {
					p.Reserve(k, 1)
					p.Observe(k, Outcome(1+i%6), "451 4.7.0 rate limited")
					if !p.ShedConn(k) {
						p.ReleaseConn(k)
					}
				}
				p.Limits(k)
				if i%50 == 0 {
					clock.Advance(100 * time.Millisecond)
					p.Status()
				}
			}
		})
	}
	wg.Wait()
	for _, s := range p.Status() {
		if s.Open != 0 {
			t.Errorf("%v: %d connections still open", s.Key, s.Open)
		}
	}
}

// TestSlowRuleDefaults: a rule slower than the default floor gets its own
// rate as the floor rather than an error.
func TestSlowRuleDefaults(t *testing.T) {
	t.Parallel()
	p, _ := newPolicy(t, []Rule{{Name: "default", Rate: 1.0 / 600}}, newFakeClock())
	k := Key{}
	p.Observe(k, Throttled, "421 try again later")
	if r := p.Limits(k).Rate; r != 1.0/600 {
		t.Errorf("rate %v, want the rule's own 1/600 as the floor", r)
	}
}
