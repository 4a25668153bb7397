package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"
	"sync/atomic"

	"sluice/configs"
	"sluice/mta/bounce"
	"sluice/mta/inbound"
	"sluice/mta/shaping"
	"sluice/mta/submit"
	"sluice/queue"
	"sluice/tracking/token"
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
	// verp is the return path function in force (returnPath), nil
	// when no tenant has a bounce domain.
	verp atomic.Pointer[verpFunc]
	toks inbound.KeyringTokens
	// classifier is the bounce classifier of delivery's failures and the
	// returns worker, whose [[bounce_rule]]s a reload swaps (set at
	// start, after buildReturns).
	classifier *bounce.Classifier
}

type verpFunc func(*queue.Work, queue.WorkRcpt) string

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
// in force. Keys that need a restart (restartKeys) are logged and keep
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
	if keys := restartKeys(old, cfg); len(keys) > 0 {
		n.log.Warn("config reload: these keys need a restart; their running values stay", "keys", keys)
		cfg.DataDir = old.DataDir // what the rebuilt parts below read from it
	}
	ts, _, err := n.configTenants(cfg, n.out, n.keyring)
	if err != nil {
		return err
	}
	tc, err := cfg.TLSPolicy()
	if err != nil {
		return err
	}
	rules, err := n.checkRules(cfg)
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
	n.live.setVERP(cfg)
	n.engine.SetRoutes(deliveryConfig(cfg, queue.RetryPolicy{}).Routes) // also re-asks the TLS policies
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

// checkRules validates cfg's shaping rules, tenant limits and
// classification rules as the swaps will take them (each package's own
// checks), before anything is swapped, and returns the merged shaping
// rules. Errors name the config key.
func (n *node) checkRules(cfg *configs.Config) ([]shaping.Rule, error) {
	rules, err := cfg.ShapingRules().Rules()
	if err != nil {
		return nil, fmt.Errorf("config: shaping.%w", err)
	}
	if _, err := shaping.New(rules, shaping.Options{}); err != nil {
		return nil, fmt.Errorf("config: shaping: %w", err)
	}
	if _, err := submit.NewLocalLimiter(submit.LocalLimiterConfig{Limits: cfg.LimiterConfig(n.log).Limits}); err != nil {
		return nil, fmt.Errorf("config: tenant: %w", err)
	}
	if _, err := bounce.NewWithOptions(cfg.BounceOptions()); err != nil {
		return nil, fmt.Errorf("config: bounce_rule: %w", err)
	}
	return rules, nil
}

// swapRules puts cfg's shaping rules (checkRules' rules), tenant limits
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

// restartKeys lists the keys of next that differ from cur but are read
// only at start: listen addresses, the data dir, [cluster], and the
// sections no reload swaps yet (sources and pools, reputation, webhooks,
// accounting). What reloadConfig swaps is not among them: tenants and
// their limits, DKIM keys, routes, TLS-policy, shaping and
// classification rules.
func restartKeys(cur, next *configs.Config) []string {
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

// configTenants builds cfg's tenants as start-up does, at start and on
// each reload: from [[tenant]] (or the development tenant), with the
// default pool, their DKIM signers (timed; refusing unaligned mail under
// dkim.require_aligned = "all") and link trackers. cgoRSA reports an RSA
// key signing through OpenSSL (tuneProcs).
func (n *node) configTenants(cfg *configs.Config, out io.Writer, kr *token.Keyring) (ts []*submit.Tenant, cgoRSA bool, err error) {
	if ts, err = buildTenants(cfg, out); err != nil {
		return nil, false, err
	}
	for _, t := range ts {
		if len(t.Pools) == 0 {
			// Stored with its real name, so holds on the default pool
			// (by that name) cover this tenant's mail.
			t.Pools = []string{cfg.Delivery.DefaultPool}
		}
	}
	if cgoRSA, err = attachSigners(cfg, ts, n.log); err != nil {
		return nil, false, err
	}
	timeSigners(ts, n.metrics)
	attachTrackers(cfg, ts, kr, n.log)
	if cfg.DKIM.RequireAlignedAll() {
		for _, t := range ts {
			t.Signer = submit.RequireAligned(t.Signer, cfg.DKIM.ESPFallback)
		}
	}
	return ts, cgoRSA, nil
}

// returnPaths is delivery's ReturnPath: the VERP return path of the
// tenants' bounce domains in force (returnPath), swapped by a reload.
func (n *node) returnPaths(toks inbound.KeyringTokens) func(*queue.Work, queue.WorkRcpt) string {
	n.live.toks = toks
	n.live.setVERP(n.cfg)
	return func(w *queue.Work, r queue.WorkRcpt) string {
		if f := n.live.verp.Load(); f != nil {
			return (*f)(w, r)
		}
		return ""
	}
}

// setVERP makes cfg's tenants' bounce domains the ones in force.
func (l *liveConfig) setVERP(cfg *configs.Config) {
	if f := returnPath(cfg, l.toks); f != nil {
		vf := verpFunc(f)
		l.verp.Store(&vf)
		return
	}
	l.verp.Store(nil)
}
