package main

import (
	"context"
	"fmt"

	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/mta/tlspolicy"
)

// buildDelivery makes the shaping policy (every transition logged and
// counted) and the delivery engine; a failed delivery goes through the
// synchronous returns policy.
func (n *node) buildDelivery(p *parts) (err error) {
	if n.shaping, err = n.cfg.ShapingPolicy(n.log, n.metrics.ShapingTransition); err != nil {
		return err
	}
	syncReturns := &inbound.SyncReturns{Classifier: n.classifier, Policy: p.policy, Logger: n.log}
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
		if n.opts.onEvent != nil {
			n.opts.onEvent(ev)
		}
	}
	dc.ConnOpened, dc.ConnClosed, dc.ConnDropped = n.metrics.ConnOpened, n.metrics.ConnClosed, n.metrics.ConnDropped
	if err := n.wireTLSPolicy(&dc, n.metrics.TLSPolicy()); err != nil {
		return err
	}
	if n.warmup, n.blocklist, err = n.cfg.SourceGates(n.classifier, n.log); err != nil {
		return err
	}
	dc.Warmup, dc.Blocklist = n.warmup, n.blocklist
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
// The same statistics feed the TLS reporter (RFC 8460), when
// delivery.tls_reports is on: its mailed reports are queued through the
// spool (tlsrpt.NodeConfig.Open).
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
	nc, err := n.cfg.TLSReports(tc, n.log)
	if err != nil {
		return err
	}
	if n.opts.tlsrptHook != nil {
		n.opts.tlsrptHook(&nc.Reporter)
	}
	if n.tlsReports, err = nc.Open(tc.Stats, n.store); err != nil {
		return fmt.Errorf("tls reports: %w", err)
	}
	return nil
}
