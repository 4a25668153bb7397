package shaping

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadRules(t *testing.T) {
	t.Parallel()
	gm := func(r Rule) Rule {
		if r.Name == "" {
			r.Name = "gm"
		}
		if r.Domains == nil && r.MXPatterns == nil {
			r.MXPatterns = []string{"*.google.com"}
		}
		return r
	}
	for _, tc := range []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"no name", []Rule{{Domains: []string{"a.example"}}}, "no name"},
		{"bad name", []Rule{{Name: "g mail", Domains: []string{"a.example"}}}, "only letters"},
		{"duplicate name", []Rule{gm(Rule{}), gm(Rule{Domains: []string{"b.example"}})}, "two rules named"},
		{"two defaults", []Rule{{Name: "default"}, {Name: "default"}}, "two rules named"},
		{"default with domains", []Rule{{Name: "default", Domains: []string{"a.example"}}}, "takes no domains"},
		{"matches nothing", []Rule{{Name: "x"}}, "match nothing"},
		{"negative connections", []Rule{gm(Rule{MaxConnections: -1})}, "max connections is negative"},
		{"negative burst", []Rule{gm(Rule{Burst: -1})}, "burst is negative"},
		{"negative quiet", []Rule{gm(Rule{QuietPeriod: -time.Second})}, "quiet period is negative"},
		{"negative rate", []Rule{gm(Rule{Rate: -1})}, "rate must be"},
		{"NaN rate", []Rule{gm(Rule{Rate: math.NaN()})}, "rate must be"},
		{"infinite rate", []Rule{gm(Rule{Rate: math.Inf(1)})}, "rate must be"},
		{"factor 1", []Rule{gm(Rule{BackoffFactor: 1})}, "below 1"},
		{"min above rate", []Rule{gm(Rule{Rate: 1, MinRate: 2})}, "minimum rate"},
		{"suspension bounds", []Rule{gm(Rule{SuspendFor: time.Hour, SuspendMax: time.Minute})}, "maximum suspension"},
		{"bad domain", []Rule{{Name: "x", Domains: []string{"a..example"}}}, "bad domain"},
		{"wildcard domain", []Rule{{Name: "x", Domains: []string{"*.example"}}}, "bad domain"},
		{"bare star", []Rule{{Name: "x", MXPatterns: []string{"*."}}}, "bad MX pattern"},
		{"inner star", []Rule{{Name: "x", MXPatterns: []string{"mx*.example.com"}}}, "bad MX pattern"},
		{"star without dot", []Rule{{Name: "x", MXPatterns: []string{"*google.com"}}}, "bad MX pattern"},
		{"double star", []Rule{{Name: "x", MXPatterns: []string{"*.*.google.com"}}}, "bad MX pattern"},
		{"domain twice", []Rule{{Name: "x", Domains: []string{"a.example"}}, {Name: "y", Domains: []string{"A.example."}}}, `domain "a.example" is in rules`},
		{"pattern twice", []Rule{{Name: "x", MXPatterns: []string{"*.google.com"}}, {Name: "y", MXPatterns: []string{"*.Google.com"}}}, "is in rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.rules, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRuleMatching(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p, _ := newPolicy(t, []Rule{
		{Name: "corp", Domains: []string{"corp.example", "Partner.Example."}, MaxConnections: 2},
		{Name: "gmail", MXPatterns: []string{"*.google.com", "*.googlemail.com"}},
		{Name: "google-special", MXPatterns: []string{"*.special.google.com"}},
		{Name: "onehost", MXPatterns: []string{"mx.single.example"}},
		{Name: "default", MaxConnections: 3},
	}, clock)
	for _, tc := range []struct {
		name     string
		domain   string
		mx       []string
		rule     string
		site     string
		maxConns int
	}{
		{"MX pattern", "gmail.com", []string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"}, "gmail", "gmail", 10},
		{"second pattern of the rule", "workspace.example", []string{"aspmx2.googlemail.com"}, "gmail", "gmail", 10},
		{"domain beats MX pattern", "corp.example", []string{"aspmx.l.google.com"}, "corp", "corp", 2},
		{"domain without case and dot", "PARTNER.example.", []string{"mx.partner.example"}, "corp", "corp", 2},
		{"subdomain of a domain rule", "sub.corp.example", []string{"mx.corp.example"}, "default", "mx.corp.example", 3},
		{"pattern on a label boundary", "evil.example", []string{"mx.evilgoogle.com"}, "default", "mx.evilgoogle.com", 3},
		{"suffix without a dot", "evil.example", []string{"evilgoogle.com"}, "default", "evilgoogle.com", 3},
		{"wildcard is strictly below", "evil.example", []string{"google.com"}, "default", "google.com", 3},
		{"pattern is not a prefix", "evil.example", []string{"google.com.evil.example"}, "default", "google.com.evil.example", 3},
		{"longest pattern wins", "x.example", []string{"mx1.special.google.com"}, "google-special", "google-special", 10},
		{"exact pattern", "y.example", []string{"mx.single.example"}, "onehost", "onehost", 10},
		{"exact pattern is exact", "y.example", []string{"a.mx.single.example"}, "default", "a.mx.single.example", 3},
		{"MX without case and dot", "z.example", []string{"ASPMX.L.GOOGLE.COM."}, "gmail", "gmail", 10},
		{"first matching MX decides", "mixed.example", []string{"mx.mixed.example", "alt1.aspmx.l.google.com"}, "gmail", "gmail", 10},
		{"default: the MX set", "hosted.example", []string{"MX2.hoster.example", "mx1.hoster.example", "mx2.hoster.example."}, "default", "mx1.hoster.example,mx2.hoster.example", 3},
		{"no MX: the domain", "Implicit.example", nil, "default", "implicit.example", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := p.Site(tc.domain, tc.mx)
			if s.Rule() != tc.rule || s.Name() != tc.site || s.String() != tc.site {
				t.Errorf("Site(%q, %q) = rule %q site %q, want rule %q site %q", tc.domain, tc.mx, s.Rule(), s.Name(), tc.rule, tc.site)
			}
			l := p.Limits(Key{Site: s})
			if l.Rule != tc.rule || l.MaxConnections != tc.maxConns {
				t.Errorf("Limits: rule %q, %d connections; want %q, %d", l.Rule, l.MaxConnections, tc.rule, tc.maxConns)
			}
		})
	}
	if r := (Site{}).Rule(); r != DefaultRuleName {
		t.Errorf("zero Site's rule = %q", r)
	}
	if l := p.Limits(Key{}); l.Rule != DefaultRuleName || l.MaxConnections != 3 {
		t.Errorf("zero Key's limits = %+v, want the default rule's", l)
	}
}

func TestDefaultRules(t *testing.T) {
	t.Parallel()
	p, err := New(DefaultRules(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// MX host names as the providers publish them.
	for _, tc := range []struct {
		domain, mx, rule string
	}{
		{"gmail.com", "gmail-smtp-in.l.google.com", "gmail"},
		{"googlemail.com", "alt2.gmail-smtp-in.l.google.com", "gmail"},
		{"workspace.example", "aspmx.l.google.com", "gmail"},
		{"workspace2.example", "smtp.google.com", "gmail"},
		{"workspace3.example", "aspmx3.googlemail.com", "gmail"},
		{"hotmail.com", "hotmail-com.olc.protection.outlook.com", "outlook"},
		{"contoso.example", "contoso-example.mail.protection.outlook.com", "outlook"},
		{"yahoo.com", "mta5.am0.yahoodns.net", "yahoo"},
		{"aol.com", "mx-aol.mail.gm0.yahoodns.net", "yahoo"},
		{"icloud.com", "mx01.mail.icloud.com", "icloud"},
		{"gmx.de", "mx00.emig.gmx.net", "gmx"},
		{"web.de", "mx-ha03.web.de", "gmx"},
		{"mail.ru", "mxs.mail.ru", "mailru"},
		{"example.org", "mx.example.org", "default"},
	} {
		if got := p.Site(tc.domain, []string{tc.mx}).Rule(); got != tc.rule {
			t.Errorf("%s (MX %s): rule %q, want %q", tc.domain, tc.mx, got, tc.rule)
		}
	}
	// A caller may change the slice it got without changing the next one.
	a := DefaultRules()
	a[0].MXPatterns[0] = "changed.example"
	if b := DefaultRules(); b[0].MXPatterns[0] != "*.google.com" {
		t.Error("DefaultRules shares its slices between calls")
	}
	// Without a default rule, the built-in one applies.
	p, err = New([]Rule{{Name: "x", Domains: []string{"x.example"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Limits(Key{Site: p.Site("y.example", []string{"mx.y.example"})}); l.Rule != "default" || l.MaxConnections != defaultMaxConnections {
		t.Errorf("built-in default: %+v", l)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want float64
		err  bool
	}{
		{"10", 10, false},
		{"10/s", 10, false},
		{" 2.5 / second ", 2.5, false},
		{"600/min", 10, false},
		{"600/m", 10, false},
		{"3600/h", 1, false},
		{"90/Hour", 0.025, false},
		{"0", 0, false},
		{"-1/s", 0, true},
		{"ten/s", 0, true},
		{"10/day", 0, true},
		{"NaN", 0, true},
		{"Inf/s", 0, true},
		{"", 0, true},
	} {
		got, err := ParseRate(tc.in)
		if (err != nil) != tc.err || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("ParseRate(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
