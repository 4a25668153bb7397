package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"

	"sluice/configs"
	"sluice/metrics"
	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// buildDelivery makes the shaping policy and the delivery engine; a
// failed delivery goes through the synchronous returns policy.
func (n *node) buildDelivery(p *parts, onEvent func(delivery.Event)) (err error) {
	if n.shaping, err = buildShaping(n.cfg, n.log, n.metrics); err != nil {
		return err
	}
	syncReturns := &inbound.SyncReturns{Classifier: p.classifier, Policy: p.policy, Logger: n.log}
	dc := deliveryConfig(n.cfg, p.retry)
	dc.Store, dc.Resolver, dc.Logger = n.store, p.resolver, n.log
	dc.ReturnPath = n.returnPaths(p.toks) // returnPath's, swapped by a reload (reload.go)
	dc.Shaping, dc.SiteHeld = n.shaping, n.store.SiteHeld
	dc.Suppressed = n.store.SuppressedFor
	dc.OnEvent = func(ev delivery.Event) {
		n.metrics.Outcome(ev.Kind, ev.Latency)
		n.metrics.DeliveryOutcome(n.shaping, ev) // by site rule and tenant
		// The event store hears of ev through the spool's journal,
		// written with the outcome (see startJournal).
		if class, failed := syncReturns.ApplyEvent(context.Background(), ev); failed {
			n.metrics.Return("sync", string(class))
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
	dc.ConnOpened, dc.ConnClosed, dc.ConnDropped = n.metrics.ConnOpened, n.metrics.ConnClosed, n.metrics.ConnDropped
	if err := n.wireTLSPolicy(&dc, n.metrics.TLSPolicy()); err != nil {
		return err
	}
	if err := n.buildSourceGates(p, &dc); err != nil { // warm-up, blocklists (sources.go)
		return err
	}
	if n.engine, err = delivery.New(dc); err != nil {
		return err
	}
	n.kick.Store(n.engine)
	n.metrics.RegisterQueue(n.store, n.engine.InFlight, nil)
	n.metrics.RegisterSpoolFS(n.cfg.DataDir)
	return nil
}

// deliveryConfig maps the [delivery], [[source]], [[pool]] and [[route]]
// sections onto delivery.Config (the stores and hooks are the caller's).
func deliveryConfig(cfg *configs.Config, retry queue.RetryPolicy) delivery.Config {
	d := cfg.Delivery
	dc := delivery.Config{
		DefaultPool: d.DefaultPool, Port: d.Port, HeloName: d.HeloName,
		DisableTLS: d.TLS == "disabled", MaxInFlight: cfg.Queue.MaxInFlight, MaxReadyBytes: cfg.Queue.MaxReadyBytes,
		MaxConnsPerDest: d.MaxConnectionsPerDomain, MaxMsgsPerConn: d.MaxMessagesPerConnection,
		MaxRcptsPerTxn: d.MaxRecipientsPerTransaction, IdleTimeout: d.IdleTimeout.Duration,
		ConnectTimeout: d.ConnectTimeout.Duration, CommandTimeout: d.CommandTimeout.Duration,
		DataTimeout: d.DataTimeout.Duration, Retry: retry,
		Routes: make([]delivery.Route, len(cfg.Routes)),
	}
	for i, r := range cfg.Routes {
		dc.Routes[i] = delivery.Route{Domain: r.Domain, Host: r.Host}
	}
	for _, src := range cfg.Sources {
		ds := delivery.Source{Name: src.Name, HeloName: src.HeloName}
		if src.Address != "" {
			ds.Addr = netip.MustParseAddr(src.Address) // validated by configs
		}
		dc.Sources = append(dc.Sources, ds)
	}
	if len(cfg.Pools) > 0 {
		dc.Pools = map[string][]string{}
		for _, p := range cfg.Pools {
			dc.Pools[p.Name] = p.Sources
		}
	}
	return dc
}

// returnPath is the VERP return path of the tenants that set a
// bounce_domain, or nil when none does (inbound.KeyringTokens.VERP).
func returnPath(cfg *configs.Config, toks inbound.KeyringTokens) func(*queue.Work, queue.WorkRcpt) string {
	domains := make(map[string]string, len(cfg.Tenants))
	for _, t := range cfg.Tenants {
		domains[t.Name] = t.BounceDomain
	}
	return toks.VERP(domains)
}

// wireTLSPolicy builds the outbound TLS policy resolver from [delivery]
// (MTA-STS, DANE, [[delivery.tls_policy]] rules) and hands it to dc.
// Failures are logged; onResult, when set, hears every outcome (metrics).
// The same statistics feed the TLS reporter when delivery.tls_reports is
// on (tlsreports.go).
func (n *node) wireTLSPolicy(dc *delivery.Config, onResult func(*tlspolicy.Policy, string, tlspolicy.ResultType)) error {
	tc, err := n.cfg.TLSPolicy()
	if err != nil {
		return err
	}
	tc.Stats = tlspolicy.LoggedStats(n.log, onResult)
	if n.tlsPolicy, err = tlspolicy.New(tc); err != nil {
		return fmt.Errorf("delivery TLS policy: %w", err)
	}
	dc.TLSPolicy = n.tlsPolicy
	dc.TLSStats = tc.Stats
	return n.openTLSReports(tc.Stats, tc)
}

// buildShaping turns the config into a shaping policy (shaping.RuleSet
// merges built-in and configured rules). Every transition is logged and
// counted.
func buildShaping(cfg *configs.Config, log *slog.Logger, m *metrics.Set) (*shaping.Policy, error) {
	rules, err := cfg.ShapingRules().Rules()
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
