package configs

import (
	"slices"
	"strings"
	"testing"

	"sluice/mta/shaping"
)

// TestRestartKeys: a change to a key read only at start is named (and
// nothing else); what a reload swaps (tenants, routes, shaping,
// classification rules) is never named.
func TestRestartKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() // one data_dir: the defaults under it are equal
	base := func() *Config {
		c, err := Parse(`data_dir = "` + dir + `"`)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"same", func(*Config) {}, nil},
		{"data_dir", func(c *Config) { c.DataDir += "x" }, []string{"data_dir"}},
		{"listeners", func(c *Config) {
			c.Submission.Listen, c.Admin.Listen, c.Tracking.HTTPSAddr = "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"
		}, []string{"submission.listen", "tracking.https_addr", "admin.listen"}},
		{"cluster", func(c *Config) { c.Cluster.Redis = "redis://127.0.0.1:6379" }, []string{"cluster"}},
		{"pools", func(c *Config) { c.Pools = append(c.Pools, Pool{Name: "p"}) }, []string{"pool"}},
		{"swapped", func(c *Config) {
			c.Tenants = append(c.Tenants, Tenant{Name: "t"})
			c.Routes = append(c.Routes, Route{Domain: "example.test"})
			c.BounceRules = append(c.BounceRules, BounceRule{Name: "r"})
			c.Shaping.Rules = append(c.Shaping.Rules, ShapingRule{Name: "s"})
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cur, next := base(), base()
			tc.change(next)
			if got := RestartKeys(cur, next); !slices.Equal(got, tc.want) {
				t.Errorf("RestartKeys = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCheckReload: a valid config gives its merged shaping rules (the
// built-in ones and the configured); what a package's own check refuses
// is an error naming the key, so the reload stops before any swap.
func TestCheckReload(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, `
[[shaping.rule]]
name = "slow"
domains = ["slow.example"]
rate = "10/min"
`)
	rules, err := cfg.CheckReload()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rules, func(r shaping.Rule) bool { return r.Name == "slow" }) || len(rules) < 2 {
		t.Errorf("rules = %d, want the configured rule among the built-in ones", len(rules))
	}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		key    string
	}{
		{"bounce rule", func(c *Config) { c.BounceRules = []BounceRule{{Name: "bad", Pattern: "("}} }, "bounce_rule"},
		{"shaping rate", func(c *Config) {
			c.Shaping.Rules = []ShapingRule{{Name: "bad", Domains: []string{"x.example"}, Rate: "fast"}}
		}, "shaping."},
		{"tenant limit", func(c *Config) { c.Tenants = []Tenant{{Name: "t", RateLimit: 1, RateBurst: -1}} }, "tenant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := parseMapping(t, "")
			tc.change(c)
			if _, err := c.CheckReload(); err == nil || !strings.Contains(err.Error(), "config: "+tc.key) {
				t.Errorf("CheckReload = %v, want an error naming %q", err, tc.key)
			}
		})
	}
}
