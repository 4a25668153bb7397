package shaping

import (
	"sync"
	"testing"
	"time"
)

// backOff drives k into backoff: 50 messages a second for 20 seconds,
// then a throttle reply.
func backOff(t *testing.T, p *Policy, clock *fakeClock, k Key) Limits {
	t.Helper()
	for range 20 {
		p.Reserve(k, 50)
		clock.Advance(time.Second)
	}
	p.Observe(k, Throttled, "451 4.7.650 rate limited")
	l := p.Limits(k)
	if l.State != Backoff {
		t.Fatalf("%s: %+v after a throttle, want backoff", k.Site, l)
	}
	return l
}

// A reload of the rules keeps the backoff of a site whose rule is
// unchanged (same key, same cut limits, even with a domain added to the
// rule), restarts a changed rule's site from its new limits while keeping
// the connections it holds (the excess is shed), sends newly matched
// domains to a new rule, and a set that does not validate changes
// nothing.
func TestSetRulesKeepsUnchangedSitesState(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	gmail := Rule{Name: "gmail", MXPatterns: []string{"*.google.com"}, MaxConnections: 8, Rate: 100, QuietPeriod: time.Hour}
	yahoo := Rule{Name: "yahoo", MXPatterns: []string{"*.yahoodns.net"}, MaxConnections: 5, Rate: 100, QuietPeriod: time.Hour}
	p, trs := newPolicy(t, []Rule{gmail, yahoo}, clock)
	kg := Key{Source: "a", Site: p.Site("gmail.com", []string{"gmail-smtp-in.l.google.com"})}
	ky := Key{Source: "a", Site: p.Site("yahoo.com", []string{"mta5.am0.yahoodns.net"})}
	before := backOff(t, p, clock, kg)
	backOff(t, p, clock, ky)
	for range 4 {
		if !p.AcquireConn(ky) {
			t.Fatal("yahoo: no slot under its limit")
		}
	}

	yahoo.MaxConnections = 2
	gmail.Domains = []string{"gmail.example"} // same limits, one more domain
	corp := Rule{Name: "corp", Domains: []string{"corp.example"}, MaxConnections: 3}
	*trs = nil
	if err := p.SetRules([]Rule{gmail, yahoo, corp}); err != nil {
		t.Fatal(err)
	}

	if k := (Key{Source: "a", Site: p.Site("gmail.com", []string{"gmail-smtp-in.l.google.com"})}); k != kg {
		t.Fatalf("gmail's key changed across the reload: %+v, was %+v", k, kg)
	}
	if l := p.Limits(kg); l.State != Backoff || l.Rate != before.Rate || l.MaxConnections != before.MaxConnections {
		t.Errorf("gmail (rule unchanged) after the reload: %+v, want its backoff kept: %+v", l, before)
	}
	l := p.Limits(ky)
	if l.State != Normal || l.MaxConnections != 2 || l.Rate != 100 {
		t.Errorf("yahoo (rule changed) after the reload: %+v, want normal at the new 2 connections, 100/s", l)
	}
	if len(*trs) != 1 || (*trs)[0].Key != ky || (*trs)[0].From != Backoff || (*trs)[0].To != Normal {
		t.Errorf("transitions of the reload: %+v, want yahoo's backoff → normal", *trs)
	}
	// 4 connections held, 2 allowed: two are shed between transactions.
	shed := 0
	for range 4 {
		if p.ShedConn(ky) {
			shed++
		}
	}
	if shed != 2 || p.AcquireConn(ky) {
		t.Errorf("shed %d of 4 connections over a limit of 2 (want 2), and no new slot", shed)
	}
	if s := p.Site("corp.example", []string{"mx.corp.example"}); s.Name() != "corp" || p.Limits(Key{Site: s}).MaxConnections != 3 {
		t.Errorf("corp.example after the reload: site %q, %+v", s.Name(), p.Limits(Key{Site: s}))
	}

	// A set that does not validate: refused, the rules in force stay.
	if err := p.SetRules([]Rule{gmail, {Name: "gmail", Domains: []string{"x.example"}}}); err == nil {
		t.Fatal("two rules named gmail accepted")
	}
	if s := p.Site("corp.example", nil); s.Name() != "corp" {
		t.Errorf("a refused reload changed the rules: corp.example is site %q", s.Name())
	}
	if l := p.Limits(kg); l.State != Backoff || l.Rate != before.Rate {
		t.Errorf("a refused reload changed gmail's state: %+v", l)
	}

	// A rule removed: its sites fall to the default rule.
	if err := p.SetRules([]Rule{gmail}); err != nil {
		t.Fatal(err)
	}
	if l := p.Limits(ky); l.Rule != DefaultRuleName || l.MaxConnections != defaultMaxConnections {
		t.Errorf("yahoo after its rule was removed: %+v, want the default rule's", l)
	}
}

// SetRules races with delivery's calls (run with -race): every call sees
// one set of rules or the other.
func TestSetRulesConcurrent(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	a := []Rule{{Name: "x", Domains: []string{"x.example"}, MaxConnections: 4}}
	b := []Rule{{Name: "x", Domains: []string{"x.example"}, MaxConnections: 2}}
	p, _ := newPolicy(t, a, clock)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				k := Key{Site: p.Site("x.example", nil)}
				if p.AcquireConn(k) {
					p.Observe(k, Delivered, "")
					if !p.ShedConn(k) {
						p.ReleaseConn(k)
					}
				}
				if c := p.Limits(k).MaxConnections; c != 4 && c != 2 {
					t.Errorf("max connections %d, want 4 or 2", c)
					return
				}
			}
		}()
	}
	for i := range 100 {
		if err := p.SetRules([][]Rule{a, b}[i%2]); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	if st := p.Status(); len(st) != 1 || st[0].Open != 0 {
		t.Errorf("after the race: %+v, want one site with no connection held", st)
	}
}
