package configs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/shaping"
	"sluice/mta/submit"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// What a config reload (SIGHUP) does in a running node: the file read
// and validated again, each reload step prepared from it, then every
// step's swap in turn. The steps say what each section means to the
// component that takes it again (reload.go says which keys need a
// restart instead).

// ReloadStep prepares, from the config next, what one component swaps,
// without changing anything, and returns the swap that puts it in force.
// An error refuses next.
type ReloadStep func(next *Config) (swap func() error, err error)

// Reloader reloads the config file at path into a running node: its
// Reload is the "config" reload of the node's registry
// (internal/reload). Everything that can fail is prepared before
// anything is swapped, so a config that does not load, validate or
// prepare changes nothing, and the previous one stays in force. Keys
// that need a restart (RestartKeys) are logged and keep their running
// value.
type Reloader struct {
	path  string
	log   *slog.Logger
	steps []ReloadStep

	mu      sync.Mutex
	applied *Config // the last applied: the start's, then each reload's
}

// NewReloader reloads path over start, the config the node started with.
func NewReloader(path string, start *Config, log *slog.Logger) *Reloader {
	return &Reloader{path: path, log: log, applied: start}
}

// Add appends steps; their swaps run in the order added. Add them before
// the first Reload.
func (r *Reloader) Add(steps ...ReloadStep) { r.steps = append(r.steps, steps...) }

// Reload reads, validates, prepares and applies the config file.
func (r *Reloader) Reload(context.Context) error {
	next, err := Load(r.path)
	if err != nil {
		return err
	}
	r.mu.Lock()
	cur := r.applied
	r.mu.Unlock()
	if keys := RestartKeys(cur, next); len(keys) > 0 {
		r.log.Warn("config reload: these keys need a restart; their running values stay", "keys", keys)
		next.DataDir = cur.DataDir // what the steps read from it
	}
	swaps := make([]func() error, len(r.steps))
	for i, step := range r.steps {
		if swaps[i], err = step(next); err != nil {
			return err
		}
	}
	for _, swap := range swaps {
		if err := swap(); err != nil {
			return err // prepared above: not expected
		}
	}
	r.mu.Lock()
	r.applied = next
	r.mu.Unlock()
	r.log.Info("config reloaded", "tenants", len(next.Tenants), "routes", len(next.Routes),
		"tls_policy_rules", len(next.Delivery.TLSPolicies), "shaping_rules", len(next.Shaping.Rules), "bounce_rules", len(next.BounceRules))
	return nil
}

// ReloadTLSPolicy swaps the outbound TLS policy rules
// ([[delivery.tls_policy]]) of r; nil r: nothing to swap.
func ReloadTLSPolicy(r *tlspolicy.Resolver) ReloadStep {
	return func(next *Config) (func() error, error) {
		tc, err := next.TLSPolicy()
		if err != nil {
			return nil, err
		}
		return func() error {
			if r == nil {
				return nil
			}
			if err := r.SetRules(tc.Rules); err != nil {
				return fmt.Errorf("config: delivery.tls_policy: %w", err)
			}
			return nil
		}, nil
	}
}

// ReloadTenants builds the tenants again as start-up does, with their
// credentials, DKIM signers and trackers, and hands them to set (the
// submission's SetTenants).
func ReloadTenants(d TenantDeps, set func([]*submit.Tenant) error) ReloadStep {
	return func(next *Config) (func() error, error) {
		ts, _, err := next.BuildTenants(d)
		if err != nil {
			return nil, err
		}
		return func() error {
			if err := set(ts); err != nil {
				return fmt.Errorf("config: tenant: %w", err)
			}
			return nil
		}, nil
	}
}

// ReloadRoutes swaps the tenants' bounce domains (setBounceDomains: the
// VERP return paths) and delivery's routes, which re-asks the TLS
// policies: after ReloadTLSPolicy.
func ReloadRoutes(setBounceDomains func(map[string]string), e *delivery.Engine) ReloadStep {
	return func(next *Config) (func() error, error) {
		return func() error {
			setBounceDomains(next.BounceDomains())
			e.SetRoutes(next.DeliveryConfig(queue.RetryPolicy{}).Routes)
			return nil
		}, nil
	}
}

// ReloadRules swaps the shaping rules (a site whose rule is unchanged
// keeps its backoff), the tenants' limits (rate_limit, daily_quota: the
// day's counts stay, the fleet's too) and the classification rules
// ([[bounce_rule]]), checked first as each package takes them
// (CheckReload). Each swap keeps its package's running state.
func ReloadRules(p *shaping.Policy, l *submit.LocalLimiter, c *bounce.Classifier, log *slog.Logger) ReloadStep {
	return func(next *Config) (func() error, error) {
		rules, err := next.CheckReload()
		if err != nil {
			return nil, err
		}
		return func() error {
			if err := p.SetRules(rules); err != nil {
				return fmt.Errorf("config: shaping: %w", err)
			}
			if err := l.SetLimits(next.LimiterConfig(log).Limits); err != nil {
				return fmt.Errorf("config: tenant: %w", err)
			}
			if err := c.SetOptions(next.BounceOptions()); err != nil {
				return fmt.Errorf("config: bounce_rule: %w", err)
			}
			return nil
		}, nil
	}
}
