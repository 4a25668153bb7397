package configs

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"

	"sluice/dkim"
	"sluice/mta/mx"
	"sluice/mta/submit"
	"sluice/tenants"
	"sluice/tracking"
	"sluice/tracking/token"
)

// What [[tenant]], [tenants] and [dkim] mean to mta/submit, dkim and the
// tenants store. Each method takes a validated Config.

// Where the tenants' state is kept, in data_dir.
const (
	TenantsFile      = "tenants.db"
	TenantLimitsFile = "tenant-limits.json"
)

// SubmitTenants are the [[tenant]] tables as the submission knows them
// (no signer, tracker or default pool yet); nil when there is none (the
// node then makes its development tenant).
func (c *Config) SubmitTenants() []*submit.Tenant {
	if len(c.Tenants) == 0 {
		return nil
	}
	ts := make([]*submit.Tenant, len(c.Tenants))
	for i, t := range c.Tenants {
		prio, _ := t.PriorityValue() // validated
		ts[i] = &submit.Tenant{Name: t.Name, Username: t.Username, PasswordHash: t.PasswordHash,
			SenderDomains: t.SenderDomains, FromAllow: t.FromAllow, MaxSessions: t.MaxSessions,
			MaxMessageBytes: t.MaxMessageBytes, MaxRecipients: t.MaxRecipients,
			Pools: t.Pools, Priority: prio, NoTransactional: !t.TransactionalAllowed()}
	}
	return ts
}

// TenantTracker is the link tracker of the i-th [[tenant]] (tracking mode,
// track_text, bounce_domain) under tracking.base_url, which must be set
// (without it there are no tracking links and no List-Unsubscribe).
func (c *Config) TenantTracker(i int, kr *token.Keyring) tracking.TrackerConfig {
	t := c.Tenants[i]
	return tracking.TrackerConfig{Keyring: kr, BaseURL: c.Tracking.BaseURL,
		BounceDomain: t.BounceDomain, Mode: t.Tracking, TrackText: t.TrackText}
}

// LimiterConfig is the node's per-tenant rate and daily quota (rate_limit,
// rate_burst, daily_quota), the day's counts kept in
// data_dir/tenant-limits.json across restarts.
func (c *Config) LimiterConfig(log *slog.Logger) submit.LocalLimiterConfig {
	limits := map[string]submit.Limit{}
	for _, t := range c.Tenants {
		if t.RateLimit > 0 || t.DailyQuota > 0 {
			limits[t.Name] = submit.Limit{Rate: t.RateLimit, Burst: t.RateBurst, Daily: t.DailyQuota}
		}
	}
	return submit.LocalLimiterConfig{Limits: limits, StatePath: filepath.Join(c.DataDir, TenantLimitsFile), Logger: log}
}

// KeyFiles maps configured keys onto dkim.KeyFile.
func KeyFiles(ks []DKIMKey) []dkim.KeyFile {
	out := make([]dkim.KeyFile, len(ks))
	for i, k := range ks {
		out[i] = dkim.KeyFile{Domain: k.Domain, Selector: k.Selector, File: k.File}
	}
	return out
}

// Signers is [dkim] as dkim.LoadSigners takes it, errors naming the
// config keys.
func (d DKIM) Signers(log *slog.Logger) dkim.SignersConfig {
	return dkim.SignersConfig{Keys: KeyFiles(d.Keys), ESPKeys: KeyFiles(d.ESPKeys), KeysName: "dkim.key",
		ESPName: "dkim.esp_key", RSAEngine: d.RSAEngine, Expiration: d.Expiration.Duration, Logger: log}
}

// TenantsOptions are the options of the store of tenants kept as data
// (data_dir/tenants.db) over seeds, verifying domains through
// TenantResolvers, else /etc/resolv.conf's servers.
func (c *Config) TenantsOptions(seeds []tenants.Seed) (tenants.Options, error) {
	servers, err := c.TenantResolvers()
	if err != nil {
		return tenants.Options{}, err
	}
	if len(servers) == 0 {
		if servers, err = mx.SystemServers(systemResolvers); err != nil {
			return tenants.Options{}, fmt.Errorf("tenants.resolvers: none configured and %w", err)
		}
	}
	ts := c.TenantStore
	return tenants.Options{
		Path: filepath.Join(c.DataDir, TenantsFile), Seeds: seeds, BcryptCost: ts.BcryptCost,
		ReturnPathLabel: ts.ReturnPathLabel, ReturnPathTarget: ts.ReturnPathTarget,
		TrackingLabel: ts.TrackingLabel, TrackingTarget: ts.TrackingTarget,
		RotationGrace: ts.RotationGrace.Duration,
		Resolver:      &tenants.DNSResolver{Servers: servers},
		EdgeHosts:     c.edgeHosts(),
	}, nil
}

// edgeHosts are the edge's own names (tracking.base_url's host and
// tracking.acme_hosts): no tenant may take one as its tracking host, or
// every other tenant's links and unsubscribes there would stop working.
func (c *Config) edgeHosts() []string {
	var hosts []string
	if u, err := url.Parse(c.Tracking.BaseURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	return append(hosts, c.Tracking.ACMEHosts...)
}

// DirectoryOptions are how the submission sees stored tenants: the
// default pool, the service's own keys (dkim.esp_key, loaded here) and,
// under tracking.base_url, a tracker that adds List-Unsubscribe to
// marketing mail (stored tenants have no tracking settings: no tracked
// links), on the tenant's own tracking host when it has one.
func (c *Config) DirectoryOptions(kr *token.Keyring, log *slog.Logger) (tenants.DirectoryOptions, error) {
	o := tenants.DirectoryOptions{DefaultPool: c.Delivery.DefaultPool, Logger: log, ESPFallback: c.DKIM.ESPFallback}
	if len(c.DKIM.ESPKeys) > 0 {
		kl := dkim.KeyLoader{RSAEngine: c.DKIM.RSAEngine}
		keys, err := kl.Load("dkim.esp_key", KeyFiles(c.DKIM.ESPKeys))
		if err != nil {
			return o, fmt.Errorf("config: %w", err)
		}
		o.ESPKeys = keys
	}
	if c.Tracking.BaseURL != "" {
		tr := tracking.NewTracker(tracking.TrackerConfig{Keyring: kr, BaseURL: c.Tracking.BaseURL, Mode: "none"})
		o.Tracker = tr
		o.TrackerFor = func(host string) submit.Tracker { return tr.WithHost(host) }
	}
	return o, nil
}
