package main

import (
	"fmt"
	"log/slog"

	"sluice/configs"
	"sluice/mta/shaping"
)

// buildShaping turns the config into a shaping policy: the built-in rules
// (their default sized by the delivery settings) and the configured ones,
// which replace built-ins of the same name. Every transition is logged and
// counted.
func buildShaping(cfg *configs.Config, log *slog.Logger, m *metrics) (*shaping.Policy, error) {
	var rules []shaping.Rule
	if cfg.Shaping.BuiltinRules {
		for _, r := range shaping.DefaultRules() {
			if r.Name == shaping.DefaultRuleName {
				r.MaxConnections = cfg.Delivery.MaxConnectionsPerDomain
				r.MaxMessagesPerConn = cfg.Delivery.MaxMessagesPerConnection
				r.MaxRcptsPerTxn = cfg.Delivery.MaxRecipientsPerTransaction
			}
			rules = append(rules, r)
		}
	} else {
		rules = append(rules, shaping.Rule{Name: shaping.DefaultRuleName,
			MaxConnections: cfg.Delivery.MaxConnectionsPerDomain, MaxMessagesPerConn: cfg.Delivery.MaxMessagesPerConnection,
			MaxRcptsPerTxn: cfg.Delivery.MaxRecipientsPerTransaction})
	}
	for i, cr := range cfg.Shaping.Rules {
		key := fmt.Sprintf("shaping.rule[%d]", i)
		r := shaping.Rule{
			Name: cr.Name, Domains: cr.Domains, MXPatterns: cr.MXPatterns, MaxConnections: cr.MaxConnections,
			MaxMessagesPerConn: cr.MaxMessagesPerConnection, MaxRcptsPerTxn: cr.MaxRecipientsPerTransaction,
			Burst: cr.Burst, BackoffFactor: cr.BackoffFactor, QuietPeriod: cr.QuietPeriod.Duration,
			ConnectTimeout: cr.ConnectTimeout.Duration, CommandTimeout: cr.CommandTimeout.Duration,
		}
		var err error
		if cr.Rate != "" {
			if r.Rate, err = shaping.ParseRate(cr.Rate); err != nil {
				return nil, fmt.Errorf("config: %s.rate: %v", key, err)
			}
		}
		if cr.MinRate != "" {
			if r.MinRate, err = shaping.ParseRate(cr.MinRate); err != nil {
				return nil, fmt.Errorf("config: %s.min_rate: %v", key, err)
			}
		}
		replaced := false
		for j := range rules {
			if rules[j].Name == r.Name {
				rules[j], replaced = r, true
			}
		}
		if !replaced {
			rules = append(rules, r)
		}
	}
	p, err := shaping.New(rules, shaping.Options{OnTransition: func(t shaping.Transition) {
		m.shapingTransitions.WithLabelValues(t.Limits.Rule, t.To.String()).Inc()
		log.Info("shaping transition", "site", t.Key.Site.Name(), "rule", t.Limits.Rule, "from", t.From.String(),
			"to", t.To.String(), "reason", t.Reason, "rate", t.Limits.Rate, "max_connections", t.Limits.MaxConnections)
	}})
	if err != nil {
		return nil, fmt.Errorf("config: shaping: %w", err)
	}
	return p, nil
}
