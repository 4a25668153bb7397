package main

import (
	"fmt"
	"log/slog"
	"net/netip"

	"sluice/configs"
	"sluice/metrics"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// buildEdge makes the tracking edge over the events store, suppressing
// through sup (the spool, or the remote admin API for `sluice edge`).
func buildEdge(cfg *configs.Config, kr *token.Keyring, ev *events.Store, sup tracking.Suppressor, log *slog.Logger, m *metrics.Set) (*tracking.Edge, error) {
	names := map[string]string{}
	for _, t := range cfg.Tenants {
		names[t.Name] = t.DisplayName
	}
	var proxies []netip.Prefix
	for _, p := range cfg.Tracking.TrustedProxies {
		proxies = append(proxies, netip.MustParsePrefix(p)) // validated by configs
	}
	var apple []netip.Prefix
	if f := cfg.Tracking.AppleCIDRsFile; f != "" {
		var err error
		if apple, err = tracking.LoadCIDRs(f); err != nil {
			return nil, fmt.Errorf("config: tracking.apple_cidrs_file: %w", err)
		}
	}
	edge, err := tracking.New(tracking.Config{
		Keyring: kr, Events: ev, Suppressor: sup, Logger: log,
		TenantName: func(t string) string {
			if n := names[t]; n != "" {
				return n
			}
			return t
		},
		IPMode: cfg.Tracking.IPMode, TrustedProxies: proxies, KeepUserAgent: cfg.Tracking.KeepUserAgent,
		AppleCIDRs: apple, AppleOpensHuman: cfg.Tracking.AppleOpensHuman, MaxTokenAge: cfg.Tracking.MaxTokenAge.Duration,
	})
	if err != nil {
		return nil, fmt.Errorf("tracking edge: %w", err)
	}
	m.RegisterEdge(edge)
	return edge, nil
}
