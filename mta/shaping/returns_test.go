package shaping

import (
	"testing"
	"time"
)

// returnRules are the rules of the ObserveReturn tests: a configured site
// and the default.
var returnRules = []Rule{
	{Name: "gmail", MXPatterns: []string{"*.google.com"}, MaxConnections: 8, Rate: 100, MinRate: 1, QuietPeriod: time.Minute, SuspendAfter: 2},
	{Name: "default", MaxConnections: 8, Rate: 100, MinRate: 1, QuietPeriod: time.Minute, SuspendAfter: 2},
}

// An asynchronous policy or spam return moves a site's state exactly as
// the synchronous slow-down reply does: two policies on one clock, fed
// the same history, one then hears a synchronous throttle (Observe) and
// the other the return (ObserveReturn, by the names the recipient
// directory keeps); their limits, counts and transitions must agree at
// every step: the cut, the share gate that makes a lone return after many
// deliveries noise, and the echo within the hold.
func TestObserveReturnMatchesSyncThrottle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, domain string
		mx           []string
		deliveries   int  // delivered transactions before the first event
		wantCut      bool // the first event starts backoff
	}{
		{name: "configured site, throttling", domain: "gmail.com", mx: []string{"alt1.gmail-smtp-in.l.google.com"}, deliveries: 5, wantCut: true},
		{name: "default-rule site named by its hosts", domain: "example.net", mx: []string{"mx2.example.net", "mx1.example.net"}, deliveries: 5, wantCut: true},
		{name: "lone return after many deliveries is noise", domain: "gmail.com", mx: []string{"aspmx.l.google.com"}, deliveries: 1000, wantCut: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			syncP, syncTrs := newPolicy(t, returnRules, clock)
			asyncP, asyncTrs := newPolicy(t, returnRules, clock)
			site := syncP.Site(tc.domain, tc.mx)
			ks := Key{Source: "src-a1", Site: site}
			ka := Key{Source: "src-a1", Site: asyncP.Site(tc.domain, tc.mx)}
			start := clock.Now()
			for i := range 20 { // 50 messages a second, for 20 s
				clock.Set(start.Add(time.Duration(i) * time.Second))
				syncP.Reserve(ks, 50)
				asyncP.Reserve(ka, 50)
			}
			for range tc.deliveries {
				syncP.Observe(ks, Delivered, "")
				asyncP.Observe(ka, Delivered, "")
			}
			clock.Set(start.Add(20 * time.Second))
			compare := func(step string) {
				t.Helper()
				sl, al := syncP.Limits(ks), asyncP.Limits(ka)
				if sl != al {
					t.Fatalf("%s: limits after the return %+v, after the synchronous throttle %+v", step, al, sl)
				}
				ss, as := syncP.Status(), asyncP.Status()
				if len(ss) != 1 || len(as) != 1 || ss[0].Counts != as[0].Counts || as[0].Key != ka {
					t.Fatalf("%s: status after the return %+v, after the synchronous throttle %+v", step, as, ss)
				}
				if len(*syncTrs) != len(*asyncTrs) {
					t.Fatalf("%s: %d transitions after the return, %d after the synchronous throttle", step, len(*asyncTrs), len(*syncTrs))
				}
				for i, st := range *syncTrs {
					at := (*asyncTrs)[i]
					if at.From != st.From || at.To != st.To || at.Limits != st.Limits || at.Key != ka {
						t.Fatalf("%s: transition %d after the return %+v, after the synchronous throttle %+v", step, i, at, st)
					}
				}
			}
			syncP.Observe(ks, Throttled, "451 4.7.650 rate limited due to IP reputation")
			l := asyncP.ObserveReturn("src-a1", site.Name(), "policy_blocked")
			compare("first")
			if got := l.State == Backoff; got != tc.wantCut {
				t.Fatalf("after the return: %+v, want a cut %v", l, tc.wantCut)
			}
			if tc.wantCut && l.Rate != 25 {
				t.Fatalf("after the return: rate %v, want 25 (half the 50/s sent)", l.Rate)
			}
			clock.Advance(2 * time.Second) // within the hold: an echo
			syncP.Observe(ks, Throttled, "451 4.7.650 rate limited due to IP reputation")
			asyncP.ObserveReturn("src-a1", site.Name(), "spam_blocked")
			compare("echo")
			clock.Advance(time.Minute + time.Second) // a quiet period: steps up alike
			compare("quiet period")
		})
	}
}

// A return is old news: unlike a reply from the server now, it does not
// show a suspended site reachable, so the suspension stays.
func TestObserveReturnKeepsSuspension(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, returnRules, clock)
	site := p.Site("gmail.com", []string{"aspmx.l.google.com"})
	k := Key{Source: "src-a1", Site: site}
	p.Observe(k, ConnectFailed, "dial tcp: connection refused")
	p.Observe(k, ConnectFailed, "dial tcp: connection refused")
	if l := p.Limits(k); l.State != Suspended {
		t.Fatalf("after two connection failures: %+v", l)
	}
	if l := p.ObserveReturn("src-a1", site.Name(), "policy_blocked"); l.State != Suspended {
		t.Fatalf("a return ended the suspension: %+v", l)
	}
}

// SiteNamed gives back the Site that Site gave, from its name alone.
func TestSiteNamed(t *testing.T) {
	t.Parallel()
	rules := append([]Rule{{Name: "yahoo", Domains: []string{"yahoo.com", "ymail.com"}}}, returnRules...)
	p, _ := newPolicy(t, rules, newFakeClock())
	for _, tc := range []struct {
		domain string
		mx     []string
		rule   string
	}{
		{"ymail.com", nil, "yahoo"},
		{"example.org", []string{"ALT2.ASPMX.L.GOOGLE.COM."}, "gmail"},
		{"example.net", []string{"mx2.example.net", "mx1.example.net"}, "default"},
		{"nomx.example", nil, "default"},
	} {
		s := p.Site(tc.domain, tc.mx)
		if got := p.SiteNamed(s.Name()); got != s || got.Rule() != tc.rule {
			t.Errorf("SiteNamed(%q) = %+v (rule %s), want %+v (rule %s)", s.Name(), got, got.Rule(), s, tc.rule)
		}
	}
}
