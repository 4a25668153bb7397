package main

import (
	"fmt"
	"log/slog"

	"sluice/configs"
	"sluice/metrics"
	"sluice/mta/shaping"
)

// buildShaping turns the config into a shaping policy (shaping.RuleSet
// merges built-in and configured rules). Every transition is logged and
// counted.
func buildShaping(cfg *configs.Config, log *slog.Logger, m *metrics.Set) (*shaping.Policy, error) {
	d := cfg.Delivery
	set := shaping.RuleSet{Builtin: cfg.Shaping.BuiltinRules, MaxConnections: d.MaxConnectionsPerDomain,
		MaxMessagesPerConn: d.MaxMessagesPerConnection, MaxRcptsPerTxn: d.MaxRecipientsPerTransaction}
	for _, cr := range cfg.Shaping.Rules {
		set.Configured = append(set.Configured, shaping.RuleText{Rate: cr.Rate, MinRate: cr.MinRate, Rule: shaping.Rule{
			Name: cr.Name, Domains: cr.Domains, MXPatterns: cr.MXPatterns, MaxConnections: cr.MaxConnections,
			MaxMessagesPerConn: cr.MaxMessagesPerConnection, MaxRcptsPerTxn: cr.MaxRecipientsPerTransaction,
			Burst: cr.Burst, BackoffFactor: cr.BackoffFactor, QuietPeriod: cr.QuietPeriod.Duration,
			ConnectTimeout: cr.ConnectTimeout.Duration, CommandTimeout: cr.CommandTimeout.Duration,
		}})
	}
	rules, err := set.Rules()
	if err != nil {
		return nil, fmt.Errorf("config: shaping.%w", err)
	}
	p, err := shaping.New(rules, shaping.Options{OnTransition: func(t shaping.Transition) {
		m.ShapingTransition(t.Limits.Rule, t.To.String())
		log.Info("shaping transition", "site", t.Key.Site.Name(), "rule", t.Limits.Rule, "from", t.From.String(),
			"to", t.To.String(), "reason", t.Reason, "rate", t.Limits.Rate, "max_connections", t.Limits.MaxConnections)
	}})
	if err != nil {
		return nil, fmt.Errorf("config: shaping: %w", err)
	}
	return p, nil
}
