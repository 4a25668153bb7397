package main

import (
	"context"
	"fmt"

	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
)

// buildDelivery makes the shaping policy (every transition logged and
// counted) and the delivery engine; a failed delivery goes through the
// synchronous returns policy.
func (n *node) buildDelivery(p *parts, onEvent func(delivery.Event)) (err error) {
	rules, err := n.cfg.ShapingRules().Rules()
	if err != nil {
		return fmt.Errorf("config: shaping.%w", err)
	}
	if n.shaping, err = shaping.New(rules, shaping.Options{OnTransition: shaping.LoggedTransitions(n.log, n.metrics.ShapingTransition)}); err != nil {
		return fmt.Errorf("config: shaping: %w", err)
	}
	syncReturns := &inbound.SyncReturns{Classifier: p.classifier, Policy: p.policy, Logger: n.log}
	dc := n.cfg.DeliveryConfig(p.retry)
	dc.Store, dc.Resolver, dc.Logger = n.store, p.resolver, n.log
	n.returnPaths = &inbound.ReturnPaths{Tokens: p.toks}
	n.returnPaths.Set(n.cfg.BounceDomains())
	dc.ReturnPath = n.returnPaths.Path // swapped by a reload (reload.go)
	dc.Shaping, dc.SiteHeld, dc.Suppressed = n.shaping, n.store.SiteHeld, n.store.SuppressedFor
	dc.OnEvent = func(ev delivery.Event) {
		n.metrics.Outcome(ev.Kind, ev.Latency)
		n.metrics.DeliveryOutcome(n.shaping, ev) // by site rule and tenant
		// The event store hears of ev through the spool's journal,
		// written with the outcome.
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
	if err := n.buildSourceGates(p, &dc); err != nil { // warm-up, blocklists
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

// wireTLSPolicy builds the outbound TLS policy resolver from [delivery]
// (MTA-STS, DANE, [[delivery.tls_policy]] rules) and hands it to dc.
// Failures are logged; onResult, when set, hears every outcome (metrics).
// The same statistics feed the TLS reporter (tlsreports.go).
func (n *node) wireTLSPolicy(dc *delivery.Config, onResult func(*tlspolicy.Policy, string, tlspolicy.ResultType)) error {
	tc, err := n.cfg.TLSPolicy()
	if err != nil {
		return err
	}
	tc.Stats = tlspolicy.LoggedStats(n.log, onResult)
	if n.tlsPolicy, err = tlspolicy.New(tc); err != nil {
		return fmt.Errorf("delivery TLS policy: %w", err)
	}
	dc.TLSPolicy, dc.TLSStats = n.tlsPolicy, tc.Stats
	return n.openTLSReports(tc.Stats, tc)
}

// buildSourceGates makes delivery's per-source gates
// (mta/delivery/source.go): the warm-up (only when a source warms up) and
// the blocklist marks, every mark and clearing logged. Both keep their
// state in data_dir (configs.WarmupFile, BlocklistFile).
func (n *node) buildSourceGates(p *parts, dc *delivery.Config) (err error) {
	if wo, ok := n.cfg.WarmupOptions(); ok {
		if n.warmup, err = shaping.NewWarmup(wo); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		dc.Warmup = n.warmup
	}
	bo := n.cfg.BlocklistOptions()
	bo.Classifier, bo.OnChange = p.classifier, shaping.LoggedBlocklistChanges(n.log)
	if n.blocklist, err = shaping.NewBlocklist(bo); err != nil {
		return fmt.Errorf("blocklist: %w", err)
	}
	dc.Blocklist = n.blocklist
	return nil
}
