package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"

	"sluice/configs"
	"sluice/internal/certs"
	"sluice/metrics"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// buildEdge makes the tracking edge over the events store, suppressing
// through sup (the spool, or the remote admin API for `sluice edge`).
// With cm (tracking.https_addr set), plain HTTP answers ACME HTTP-01
// challenges and redirects to base_url's origin when that is https.
// hosts are the tenants' own tracking hosts (nil: none known, as in
// `sluice edge`, which has no tenants store).
func buildEdge(cfg *configs.Config, kr *token.Keyring, ev *events.Store, sup tracking.Suppressor, log *slog.Logger, m *metrics.Set,
	cm *certs.Manager, hosts tracking.HostTenants) (*tracking.Edge, error) {
	names := map[string]string{}
	for _, t := range cfg.Tenants {
		names[t.Name] = t.DisplayName
	}
	var apple []netip.Prefix
	if f := cfg.Tracking.AppleCIDRsFile; f != "" {
		var err error
		if apple, err = tracking.LoadCIDRs(f); err != nil {
			return nil, fmt.Errorf("config: tracking.apple_cidrs_file: %w", err)
		}
	}
	var challenge func(ctx context.Context, host, path string) ([]byte, bool)
	if cm != nil && len(cfg.Tracking.ACMEHosts) > 0 {
		challenge = cm.HTTPChallenge
	}
	edge, err := tracking.New(tracking.Config{
		Keyring: kr, Events: ev, Suppressor: sup, Logger: log,
		TenantName: func(t string) string {
			if n := names[t]; n != "" {
				return n
			}
			return t
		},
		IPMode: cfg.Tracking.IPMode, TrustedProxies: configs.Prefixes(cfg.Tracking.TrustedProxies), KeepUserAgent: cfg.Tracking.KeepUserAgent,
		AppleCIDRs: apple, AppleOpensHuman: cfg.Tracking.AppleOpensHuman, MaxTokenAge: cfg.Tracking.MaxTokenAge.Duration,
		HTTPSRedirect: cfg.Tracking.HTTPSRedirect(), HTTPChallenge: challenge, Hosts: hosts,
	})
	if err != nil {
		return nil, fmt.Errorf("tracking edge: %w", err)
	}
	m.RegisterEdge(edge)
	return edge, nil
}

// loadKeyring builds the token keyring from [tracking] (token.LoadKeyring:
// the secret generated into data_dir on first start when none is set),
// naming the key of a secret that is not hex.
func loadKeyring(cfg *configs.Config) (*token.Keyring, error) {
	t := cfg.Tracking
	kr, err := token.LoadKeyring(t.TokenSecret, t.PreviousTokenSecrets, filepath.Join(cfg.DataDir, token.SecretFile))
	var he *token.HexError
	switch {
	case errors.As(err, &he) && he.Index < 0:
		return nil, errors.New("config: tracking.token_secret: not hex")
	case errors.As(err, &he):
		return nil, fmt.Errorf("config: tracking.previous_token_secrets[%d]: not hex", he.Index)
	case err != nil:
		return nil, fmt.Errorf("config: tracking token secrets: %w", err)
	}
	return kr, nil
}
