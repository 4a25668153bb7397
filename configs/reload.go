package configs

import (
	"fmt"
	"reflect"

	"sluice/mta/bounce"
	"sluice/mta/shaping"
	"sluice/mta/submit"
)

// What a config reload (SIGHUP) may change in a running node, and what
// it must check before it swaps anything.

// RestartKeys lists the keys of next that differ from cur but are read
// only at start: listen addresses, the data dir, [cluster], and the
// sections no reload swaps yet (sources and pools, reputation, webhooks,
// accounting). What a reload swaps is not among them: tenants and their
// limits, DKIM keys, routes, TLS-policy, shaping and classification
// rules.
func RestartKeys(cur, next *Config) []string {
	var keys []string
	for _, k := range []struct {
		key    string
		cur, n any
	}{
		{"data_dir", cur.DataDir, next.DataDir},
		{"submission.listen", cur.Submission.Listen, next.Submission.Listen},
		{"inbound.listen", cur.Inbound.Listen, next.Inbound.Listen},
		{"tracking.listen", cur.Tracking.Listen, next.Tracking.Listen},
		{"tracking.https_addr", cur.Tracking.HTTPSAddr, next.Tracking.HTTPSAddr},
		{"admin.listen", cur.Admin.Listen, next.Admin.Listen},
		{"cluster", cur.Cluster, next.Cluster},
		// Not swapped by a reload yet: built once at start.
		{"source", cur.Sources, next.Sources},
		{"pool", cur.Pools, next.Pools},
		{"reputation", cur.Reputation, next.Reputation},
		{"webhooks", cur.Webhooks, next.Webhooks},
		{"accounting", cur.Accounting, next.Accounting},
	} {
		if !reflect.DeepEqual(k.cur, k.n) {
			keys = append(keys, k.key)
		}
	}
	return keys
}

// CheckReload builds c's shaping rules, tenant limits and classification
// rules as the running node's swaps will take them (each package's own
// checks: shaping.New, submit.NewLocalLimiter, bounce.NewWithOptions), so
// that a reload refuses a config before it swaps anything, and returns
// the merged shaping rules. Errors name the config key.
func (c *Config) CheckReload() ([]shaping.Rule, error) {
	rules, err := c.ShapingRules().Rules()
	if err != nil {
		return nil, fmt.Errorf("config: shaping.%w", err)
	}
	if _, err := shaping.New(rules, shaping.Options{}); err != nil {
		return nil, fmt.Errorf("config: shaping: %w", err)
	}
	if _, err := submit.NewLocalLimiter(submit.LocalLimiterConfig{Limits: c.LimiterConfig(nil).Limits}); err != nil {
		return nil, fmt.Errorf("config: tenant: %w", err)
	}
	if _, err := bounce.NewWithOptions(c.BounceOptions()); err != nil {
		return nil, fmt.Errorf("config: bounce_rule: %w", err)
	}
	return rules, nil
}
