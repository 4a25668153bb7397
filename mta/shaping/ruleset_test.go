package shaping

import (
	"strings"
	"testing"
)

// TestRuleSetMerge: the default rule takes the default limits, built-in
// rules come first, a configured rule replaces a built-in of the same
// name (the default included) and is added otherwise, and text rates are
// parsed.
func TestRuleSetMerge(t *testing.T) {
	t.Parallel()
	builtins := len(DefaultRules())
	for _, tc := range []struct {
		name      string
		set       RuleSet
		wantNames int
		check     func(t *testing.T, byName map[string]Rule)
	}{
		{"no builtins: one sized default", RuleSet{MaxConnections: 7, MaxMessagesPerConn: 9, MaxRcptsPerTxn: 11}, 1,
			func(t *testing.T, by map[string]Rule) {
				if d := by[DefaultRuleName]; d.MaxConnections != 7 || d.MaxMessagesPerConn != 9 || d.MaxRcptsPerTxn != 11 {
					t.Errorf("default = %+v, want 7/9/11", d)
				}
			}},
		{"builtins: default sized, others kept", RuleSet{Builtin: true, MaxConnections: 3, MaxMessagesPerConn: 4, MaxRcptsPerTxn: 5}, builtins,
			func(t *testing.T, by map[string]Rule) {
				if d := by[DefaultRuleName]; d.MaxConnections != 3 || d.MaxMessagesPerConn != 4 || d.MaxRcptsPerTxn != 5 {
					t.Errorf("default = %+v, want 3/4/5", d)
				}
				if y := by["yahoo"]; y.MaxConnections != 5 || y.MaxMessagesPerConn != 20 {
					t.Errorf("yahoo = %+v, want the built-in 5/20", y)
				}
			}},
		{"configured replaces and adds", RuleSet{Builtin: true, MaxConnections: 3, Configured: []RuleText{
			{Rule: Rule{Name: "gmail", MXPatterns: []string{"*.google.com"}, MaxConnections: 2}, Rate: "600/min", MinRate: "1/h"},
			{Rule: Rule{Name: "corp", Domains: []string{"corp.example"}}},
			{Rule: Rule{Name: DefaultRuleName, MaxConnections: 1}},
		}}, builtins + 1,
			func(t *testing.T, by map[string]Rule) {
				g := by["gmail"]
				if g.MaxConnections != 2 || g.Rate != 10 || g.MinRate != 1.0/3600 || len(g.MXPatterns) != 1 {
					t.Errorf("gmail = %+v, want the configured rule with rate 10/s, min 1/h", g)
				}
				if _, ok := by["corp"]; !ok {
					t.Error("corp not added")
				}
				if d := by[DefaultRuleName]; d.MaxConnections != 1 {
					t.Errorf("default = %+v, want the configured one", d)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rules, err := tc.set.Rules()
			if err != nil {
				t.Fatal(err)
			}
			by := map[string]Rule{}
			for _, r := range rules {
				if _, dup := by[r.Name]; dup {
					t.Fatalf("rule %q twice", r.Name)
				}
				by[r.Name] = r
			}
			if len(rules) != tc.wantNames {
				t.Fatalf("%d rules, want %d", len(rules), tc.wantNames)
			}
			tc.check(t, by)
			if _, err := New(rules, Options{}); err != nil {
				t.Fatalf("New refuses the merged rules: %v", err)
			}
		})
	}
}

// TestRuleSetBadRate: a bad rate names the configured rule's index and
// field.
func TestRuleSetBadRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rt   RuleText
		want string
	}{
		{RuleText{Rule: Rule{Name: "a"}, Rate: "fast"}, "rule[1].rate: shaping: rate \"fast\""},
		{RuleText{Rule: Rule{Name: "a"}, MinRate: "1/fortnight"}, "rule[1].min_rate: shaping: rate \"1/fortnight\""},
	} {
		set := RuleSet{Configured: []RuleText{{Rule: Rule{Name: "ok"}, Rate: "1/s"}, tc.rt}}
		_, err := set.Rules()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("err = %v, want prefix %q", err, tc.want)
		}
	}
}
