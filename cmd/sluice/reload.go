package main

import (
	"context"
	"fmt"
	"sync"

	"sluice/configs"
	"sluice/mta/bounce"
	"sluice/mta/inbound"
	"sluice/mta/shaping"
	"sluice/queue"
)

// liveConfig is what a config reload swaps in a running node: the config
// last applied, the tenants' names (admin operations across tenants) and
// the VERP return paths of the tenants' bounce domains. The reload
// registry runs one reload at a time; mu guards against the readers.
type liveConfig struct {
	path string // the --config file; "" (embedded defaults): no reload
	mu   sync.Mutex
	cfg  *configs.Config // last applied; nil: the start's (node.cfg)
	// names replaces node.tenantNames once a reload ran.
	names []string
	// returnPaths is delivery's VERP return path, whose tenants' bounce
	// domains a reload swaps.
	returnPaths *inbound.ReturnPaths
	// classifier is the bounce classifier of delivery's failures and the
	// returns worker, whose [[bounce_rule]]s a reload swaps (set at
	// start, after buildReturns).
	classifier *bounce.Classifier
}

// addConfigReload registers the config's reload, first in the registry:
// on SIGHUP the file is read and validated again and, when it is good,
// what it configures is rebuilt as start-up builds it and swapped in:
// the tenants with their credentials, DKIM signers and trackers, their
// bounce domains and limits (rate_limit, daily_quota: the day's counts
// stay), the routes, the outbound TLS policy rules, the shaping rules
// (a site whose rule is unchanged keeps its backoff) and the
// classification rules ([[bounce_rule]]). A config
// that does not load or validate is refused, with one log line naming
// the key (the registry's "reload failed"), and the previous one stays
// in force. Keys that need a restart (configs.RestartKeys) are logged and keep
// their running value.
func (n *node) addConfigReload(path string) {
	n.live.path = path
	if path == "" {
		return
	}
	n.reloads.Add("config", func(context.Context) error { return n.reloadConfig() })
}

// reloadConfig reads, validates and applies the config file. Everything
// that can fail is built before anything is swapped, so a failure
// changes nothing.
func (n *node) reloadConfig() error {
	cfg, err := configs.Load(n.live.path)
	if err != nil {
		return err
	}
	old := n.appliedConfig()
	if keys := configs.RestartKeys(old, cfg); len(keys) > 0 {
		n.log.Warn("config reload: these keys need a restart; their running values stay", "keys", keys)
		cfg.DataDir = old.DataDir // what the rebuilt parts below read from it
	}
	ts, _, err := cfg.BuildTenants(n.tenantDeps())
	if err != nil {
		return err
	}
	tc, err := cfg.TLSPolicy()
	if err != nil {
		return err
	}
	rules, err := cfg.CheckReload()
	if err != nil {
		return err
	}
	if n.tlsPolicy != nil {
		if err := n.tlsPolicy.SetRules(tc.Rules); err != nil {
			return fmt.Errorf("config: delivery.tls_policy: %w", err)
		}
	}
	if err := n.backend.SetTenants(ts); err != nil {
		return fmt.Errorf("config: tenant: %w", err)
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	n.live.returnPaths.Set(cfg.BounceDomains())
	n.engine.SetRoutes(cfg.DeliveryConfig(queue.RetryPolicy{}).Routes) // also re-asks the TLS policies
	if err := n.swapRules(cfg, rules); err != nil {
		return err // checked above: not expected
	}
	n.live.mu.Lock()
	n.live.cfg, n.live.names = cfg, names
	n.live.mu.Unlock()
	n.log.Info("config reloaded", "tenants", len(ts), "routes", len(cfg.Routes), "tls_policy_rules", len(tc.Rules),
		"shaping_rules", len(rules), "bounce_rules", len(cfg.BounceRules))
	return nil
}

// swapRules puts cfg's shaping rules (CheckReload's), tenant limits
// (the fleet's too, in a fleet) and classification rules in force. Each
// swap keeps its package's running state (see shaping.Policy.SetRules,
// submit.LocalLimiter.SetLimits, bounce.Classifier.SetOptions).
func (n *node) swapRules(cfg *configs.Config, rules []shaping.Rule) error {
	if err := n.shaping.SetRules(rules); err != nil {
		return fmt.Errorf("config: shaping: %w", err)
	}
	if err := n.limiter.SetLimits(cfg.LimiterConfig(n.log).Limits); err != nil {
		return fmt.Errorf("config: tenant: %w", err)
	}
	if c := n.live.classifier; c != nil {
		if err := c.SetOptions(cfg.BounceOptions()); err != nil {
			return fmt.Errorf("config: bounce_rule: %w", err)
		}
	}
	return nil
}

// appliedConfig is the config in force: the last reload's, else the
// start's.
func (n *node) appliedConfig() *configs.Config {
	n.live.mu.Lock()
	defer n.live.mu.Unlock()
	if n.live.cfg != nil {
		return n.live.cfg
	}
	return n.cfg
}

// configTenantNames is the configured tenants' names in force (or the
// development tenant's).
func (n *node) configTenantNames() []string {
	n.live.mu.Lock()
	defer n.live.mu.Unlock()
	if n.live.names != nil {
		return n.live.names
	}
	return n.tenantNames
}

// tenantDeps are what configs.BuildTenants takes from n, at start and
// on each reload.
func (n *node) tenantDeps() configs.TenantDeps {
	return configs.TenantDeps{Out: n.out, Keyring: n.keyring, Logger: n.log, TimeSigner: n.metrics.TimeSigner}
}
