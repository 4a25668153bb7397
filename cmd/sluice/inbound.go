package main

import (
	"fmt"

	"sluice/mta/inbound"
	"sluice/mta/shaping"
	"sluice/mta/submit"
)

// buildReturns makes what decides on bounces and complaints (shared by
// the synchronous failures of delivery and the returns worker) and the
// DNS resolver that delivery and FBL checks use.
func (n *node) buildReturns(p *parts) (err error) {
	cfg := n.cfg
	if n.classifier, err = cfg.Classifier(); err != nil { // swapped by a reload (reload.go)
		return err
	}
	p.policy = &inbound.Policy{Store: n.store, SoftThreshold: cfg.Suppression.SoftThreshold,
		SoftWindow: cfg.Suppression.SoftWindow.Duration}
	p.resolver, err = cfg.Resolver(n.metrics.ObserveDNS)
	return err
}

// buildInbound makes the returns worker (bounces and complaints, from the
// spool's inbox) and the inbound MX that fills that inbox.
func (n *node) buildInbound(p *parts) error {
	ic := n.cfg.Inbound
	fbl, err := inbound.NewFBLAuth(ic.FBLProviders, p.resolver, ic.DKIMTimeout.Duration)
	if err != nil {
		return fmt.Errorf("config: inbound.fbl_providers: %w", err)
	}
	n.worker = inbound.NewWorker(inbound.WorkerConfig{
		Store: n.store, Tokens: p.toks, Tracking: p.toks, FBL: fbl, SendingIPs: n.cfg.SendingPrefixes(),
		Classifier: n.classifier, Policy: p.policy, Logger: n.log, FBLLocalParts: n.cfg.Inbound.FBLLocalParts,
		ReturnMemory: max(inbound.DefaultReturnMemory, n.cfg.Queue.DirectoryRetention.Duration), // replays count once
		PolicyQuorum: ic.PolicyQuorum,
		// A policy return slows its (source, site) down like a
		// synchronous throttle, and one naming a blocklist marks it.
		OnPolicyReturn: shaping.PolicyReturns(n.shaping, n.blocklist, n.metrics.PolicyReturns().Inc),
		OnEvent: func(ev inbound.Event) {
			n.metrics.InboundReturn(ev)
			// The event store hears of ev through the spool journal
			// (DoneReturn), like delivery outcomes.
			if n.opts.onReturn != nil {
				n.opts.onReturn(ev)
			}
		},
	})
	inTLS, err := n.cfg.InboundTLS(n.watched, p.tls) // the submission's, unless inbound.tls_cert is set
	if err != nil {
		return err
	}
	inBackend := inbound.NewBackend(inbound.ServerConfig{TLSConfig: inTLS,
		Hostname: n.cfg.Hostname, Domains: ic.Domains, FBLLocalParts: ic.FBLLocalParts,
		Tokens: p.toks, Inbox: n.store, Logger: n.log, Accepted: n.worker.Kick,
	})
	n.inbound = inBackend.NewServer(submit.ServerLog(n.log))
	return nil
}
