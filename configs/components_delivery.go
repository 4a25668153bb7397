package configs

import (
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"time"

	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/mx"
	"sluice/mta/shaping"
	"sluice/queue"
)

// What [delivery], [queue], [[source]], [[pool]] and [[route]] mean to the
// spool and to mta/delivery. Each method takes a validated Config.

// Files of the per-source gates' state, in data_dir
// (mta/delivery/source.go): a restart neither hands out a day's warm-up
// allowance twice nor forgets a blocklisting.
const (
	WarmupFile    = "warmup.json"
	BlocklistFile = "blocklist.json"
)

// systemResolvers is the resolv.conf read when no resolver is configured.
const systemResolvers = "/etc/resolv.conf"

// Retry is the spool's retry schedule ([queue] retry_first, retry_max,
// max_age).
func (c *Config) Retry() queue.RetryPolicy {
	q := c.Queue
	return queue.RetryPolicy{First: q.RetryFirst.Duration, Max: q.RetryMax.Duration, MaxAge: q.MaxAge.Duration}
}

// DeliveryConfig maps [delivery], [[source]], [[pool]] and [[route]] onto
// delivery.Config; the stores, hooks and gates are the caller's.
func (c *Config) DeliveryConfig(retry queue.RetryPolicy) delivery.Config {
	d := c.Delivery
	dc := delivery.Config{
		DefaultPool: d.DefaultPool, Port: d.Port, HeloName: d.HeloName,
		DisableTLS: d.TLS == "disabled", PublicMXOnly: !d.AllowPrivateMX, MaxInFlight: c.Queue.MaxInFlight, MaxReadyBytes: c.Queue.MaxReadyBytes,
		MaxConnsPerDest: d.MaxConnectionsPerDomain, MaxMsgsPerConn: d.MaxMessagesPerConnection,
		MaxRcptsPerTxn: d.MaxRecipientsPerTransaction, IdleTimeout: d.IdleTimeout.Duration,
		ConnectTimeout: d.ConnectTimeout.Duration, CommandTimeout: d.CommandTimeout.Duration,
		DataTimeout: d.DataTimeout.Duration, Retry: retry,
		Routes: make([]delivery.Route, len(c.Routes)),
	}
	for i, r := range c.Routes {
		dc.Routes[i] = delivery.Route{Domain: r.Domain, Host: r.Host}
	}
	for _, src := range c.Sources {
		ds := delivery.Source{Name: src.Name, HeloName: src.HeloName}
		if src.Address != "" {
			ds.Addr = netip.MustParseAddr(src.Address) // validated
		}
		dc.Sources = append(dc.Sources, ds)
	}
	if len(c.Pools) > 0 {
		dc.Pools = map[string][]string{}
		for _, p := range c.Pools {
			dc.Pools[p.Name] = p.Sources
		}
	}
	return dc
}

// BounceDomains maps each configured tenant to its bounce_domain ("":
// none), for the VERP return paths (inbound.KeyringTokens.VERP).
func (c *Config) BounceDomains() map[string]string {
	domains := make(map[string]string, len(c.Tenants))
	for _, t := range c.Tenants {
		domains[t.Name] = t.BounceDomain
	}
	return domains
}

// Classifier is the bounce classifier with the operator's [[bounce_rule]]
// tables (BounceOptions).
func (c *Config) Classifier() (*bounce.Classifier, error) {
	cl, err := bounce.NewWithOptions(c.BounceOptions())
	if err != nil {
		return nil, fmt.Errorf("config: bounce_rule: %w", err)
	}
	return cl, nil
}

// Resolver is delivery's DNS resolver (MX, FBL checks) over
// delivery.resolvers, else /etc/resolv.conf's servers; observe, when set,
// times every query.
func (c *Config) Resolver(observe func(qtype string, d time.Duration, result string)) (*mx.Resolver, error) {
	servers := c.Delivery.Resolvers
	if len(servers) == 0 {
		var err error
		if servers, err = mx.SystemServers(systemResolvers); err != nil {
			return nil, fmt.Errorf("delivery.resolvers: none configured and %w", err)
		}
	}
	return mx.New(mx.Config{Servers: servers, Observe: observe})
}

// WarmupOptions are the warm-up of the [[source]]s with warmup = true
// (state in data_dir/warmup.json); ok is false when no source warms up.
func (c *Config) WarmupOptions() (o shaping.WarmupOptions, ok bool) {
	ws := c.WarmupSources()
	return shaping.WarmupOptions{Sources: ws, Path: filepath.Join(c.DataDir, WarmupFile)}, len(ws) > 0
}

// BlocklistOptions are the blocklist marks of (source, site) pairs
// (delivery.blocklist_retry; state in data_dir/blocklist.json); the
// classifier and the change hook are the caller's.
func (c *Config) BlocklistOptions() shaping.BlocklistOptions {
	return shaping.BlocklistOptions{Path: filepath.Join(c.DataDir, BlocklistFile), Retry: c.Delivery.BlocklistRetries()}
}

// ShapingPolicy is the shaping policy of ShapingRules (built-in and
// configured rules merged), every transition logged and handed to count
// (metrics).
func (c *Config) ShapingPolicy(log *slog.Logger, count func(rule, to string)) (*shaping.Policy, error) {
	rules, err := c.ShapingRules().Rules()
	if err != nil {
		return nil, fmt.Errorf("config: shaping.%w", err)
	}
	p, err := shaping.New(rules, shaping.Options{OnTransition: shaping.LoggedTransitions(log, count)})
	if err != nil {
		return nil, fmt.Errorf("config: shaping: %w", err)
	}
	return p, nil
}

// SourceGates are delivery's per-source gates (mta/delivery/source.go):
// the warm-up (WarmupOptions; nil unless a source warms up) and the
// blocklist marks (BlocklistOptions), read from replies through
// classifier, every mark and clearing logged. Both keep their state in
// data_dir.
func (c *Config) SourceGates(classifier *bounce.Classifier, log *slog.Logger) (*shaping.Warmup, *shaping.Blocklist, error) {
	var w *shaping.Warmup
	if wo, ok := c.WarmupOptions(); ok {
		var err error
		if w, err = shaping.NewWarmup(wo); err != nil {
			return nil, nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	bo := c.BlocklistOptions()
	bo.Classifier, bo.OnChange = classifier, shaping.LoggedBlocklistChanges(log)
	b, err := shaping.NewBlocklist(bo)
	if err != nil {
		return nil, nil, fmt.Errorf("blocklist: %w", err)
	}
	return w, b, nil
}
