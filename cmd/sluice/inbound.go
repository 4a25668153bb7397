package main

import (
	"context"
	"crypto/tls"
	"fmt"

	"sluice/internal/certs"
	"sluice/mta/bounce"
	"sluice/mta/inbound"
	"sluice/mta/mx"
	"sluice/mta/submit"
)

// buildReturns makes what decides on bounces and complaints (shared by
// the synchronous failures of delivery and the returns worker) and the
// DNS resolver that delivery and FBL checks use.
func (n *node) buildReturns(p *parts) (err error) {
	cfg := n.cfg
	if p.classifier, err = bounce.NewWithOptions(cfg.BounceOptions()); err != nil {
		return fmt.Errorf("config: bounce_rule: %w", err)
	}
	p.policy = &inbound.Policy{Store: n.store, SoftThreshold: cfg.Suppression.SoftThreshold, SoftWindow: cfg.Suppression.SoftWindow.Duration}
	servers := cfg.Delivery.Resolvers
	if len(servers) == 0 {
		if servers, err = mx.SystemServers("/etc/resolv.conf"); err != nil {
			return fmt.Errorf("delivery.resolvers: none configured and %w", err)
		}
	}
	p.resolver, err = mx.New(mx.Config{Servers: servers, Observe: n.metrics.ObserveDNS})
	return err
}

// buildInbound makes the returns worker (bounces and complaints, from the
// spool's inbox) and the inbound MX that fills that inbox.
func (n *node) buildInbound(p *parts, onReturn func(inbound.Event)) error {
	ic := n.cfg.Inbound
	fbl, err := inbound.NewFBLAuth(ic.FBLProviders, p.resolver, ic.DKIMTimeout.Duration)
	if err != nil {
		return fmt.Errorf("config: inbound.fbl_providers: %w", err)
	}
	policyReturns := n.metrics.PolicyReturns()
	n.worker = inbound.NewWorker(inbound.WorkerConfig{
		Store: n.store, Tokens: p.toks, Tracking: p.toks, FBL: fbl, SendingIPs: n.cfg.SendingPrefixes(), Classifier: p.classifier, Policy: p.policy, Logger: n.log,
		// An accepted message bounced later for reputation or content
		// slows its (source, site) down like a synchronous throttle.
		OnPolicyReturn: func(source, site string, class bounce.Class, reason string) {
			l := n.shaping.ObserveReturn(source, site, string(class)+" "+reason)
			policyReturns.Inc(l.Rule, source, string(class))
			if reason == bounce.ReasonBlockedIP && n.blocklist != nil {
				// A return naming a DNS blocklist marks the pair as a
				// synchronous blocklist reply does: the site's mail moves
				// to the pool's other sources.
				n.blocklist.Mark(source, site, "return: "+reason)
			}
		},
		OnEvent: func(ev inbound.Event) {
			class := string(ev.Class)
			if ev.Kind == "unattributed" {
				class = "unattributed"
			}
			n.metrics.Return("inbound", class)
			if ev.Tenant != "" && ev.Kind != "unattributed" && ev.Via != inbound.ViaMessageIDUnverified {
				n.metrics.TenantReturn(ev.Tenant, ev.Kind)
			}
			// The event store hears of ev through the spool journal
			// (DoneReturn), like delivery outcomes.
			if onReturn != nil {
				onReturn(ev)
			}
		},
	})
	inTLS, err := n.inboundTLS(p.tls)
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

// inboundTLS is the inbound MX's STARTTLS configuration: the submission's
// (sub, itself reloaded when it comes from files) unless inbound.tls_cert
// is set, and then a certificate of its own, reloaded on SIGHUP and when
// its files change (the watch runs with the others, edgetls.go); a failed
// reload keeps the certificate in force.
func (n *node) inboundTLS(sub *tls.Config) (*tls.Config, error) {
	ic := n.cfg.Inbound
	if ic.TLSCert == "" {
		return sub, nil
	}
	cm, err := certs.New(certs.Config{CertFile: ic.TLSCert, KeyFile: ic.TLSKey, Logger: n.log})
	if err != nil {
		return nil, fmt.Errorf("config: inbound.tls_cert: %w", err)
	}
	n.reloads.Add("inbound certificate", func(context.Context) error { return cm.Reload() })
	n.watchCerts = append(n.watchCerts, cm)
	return cm.TLSConfig(), nil
}
