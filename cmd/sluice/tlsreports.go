package main

import (
	"context"
	"fmt"
	"strings"

	"sluice/configs"
	"sluice/dkim"
	"sluice/internal/clock"
	"sluice/mta/delivery"
	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
	"sluice/queue"
)

// systemTenant is the tenant the node's own mail (TLS reports) is queued
// under. ':' is in no name the tenants store accepts (tenants.ValidName),
// and start-up refuses a [[tenant]] of this name, so it never clashes
// with a tenant's mail, suppressions or statistics.
const systemTenant = "sluice:system"

// openTLSReports opens the TLS reporter (RFC 8460) when
// delivery.tls_reports is on: it takes the delivery's policy statistics
// (stats.Take), asks tc's resolvers for `_smtp._tls` records, posts to
// https receivers trusting tc's roots, and queues mailto reports through
// the spool, DKIM-signed when a dkim.key covers the From domain. When it
// is off, stats keeps no report data (nothing would drain it).
func (n *node) openTLSReports(stats *tlspolicy.Stats, tc tlspolicy.Config) error {
	if !n.cfg.Delivery.TLSReports {
		stats.DisableReports()
		return nil
	}
	for i, t := range n.cfg.Tenants {
		if t.Name == systemTenant {
			return fmt.Errorf("config: tenant[%d].name: %q is reserved for the node's own mail", i, t.Name)
		}
	}
	s := n.cfg.TLSReportSettings()
	signer, err := reportSigner(n.cfg, s.From)
	if err != nil {
		return err
	}
	if signer == nil {
		n.log.Warn("tls reports: no dkim.key for the From domain; mailed reports go unsigned", "from", s.From)
	}
	rc := tlsrpt.Config{Dir: s.Dir, Organization: s.Organization, Submitter: s.Submitter, From: s.From, Contact: s.Contact,
		Source: stats.Take, DNSServers: tc.Servers, RootCAs: tc.RootCAs, Log: n.log}
	if n.tlsrptHook != nil {
		n.tlsrptHook(&rc)
	}
	rc.Enqueue = n.enqueueReport(signer)
	if n.tlsReports, err = tlsrpt.Open(rc); err != nil {
		return fmt.Errorf("tls reports: %w", err)
	}
	return nil
}

// reportSigner is a DKIM signer over the dkim.key entries that can sign
// mail from the domain of from (that domain or a parent: relaxed
// alignment, RFC 7489 §3.1.1); nil when there are none.
func reportSigner(cfg *configs.Config, from string) (*dkim.Signer, error) {
	_, domain, _ := strings.Cut(strings.ToLower(from), "@")
	var files []dkim.KeyFile
	for _, k := range keyFiles(cfg.DKIM.Keys) {
		d := strings.ToLower(strings.TrimSuffix(k.Domain, "."))
		if domain == d || strings.HasSuffix(domain, "."+d) {
			files = append(files, k)
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	// The node loaded these files already for its tenants; loading the
	// few that match again keeps this wiring apart from theirs.
	keys, err := (&dkim.KeyLoader{RSAEngine: cfg.DKIM.RSAEngine}).Load("dkim.key", files)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	s, err := dkim.NewSigner(dkim.Options{Keys: keys, Expiration: cfg.DKIM.Expiration.Duration})
	if err != nil {
		return nil, fmt.Errorf("config: dkim (tls reports): %w", err)
	}
	return s, nil
}

// enqueueReport is tlsrpt.Config.Enqueue: sign msg (when signer is set)
// and queue it as transactional mail of systemTenant, durable on return,
// flagged as a TLS report (delivery.FlagTLSReport: delivered despite the
// receiver's TLS failures, RFC 8460 §5.3). It is created now on the
// node's clock, as submitted mail is (the reporter's clock only decides
// days).
func (n *node) enqueueReport(signer *dkim.Signer) func(ctx context.Context, from, to string, msg []byte) error {
	return func(ctx context.Context, from, to string, msg []byte) error {
		body := msg
		if signer != nil {
			fields, _, err := signer.Sign(msg)
			if err != nil {
				return fmt.Errorf("dkim sign: %w", err)
			}
			body = make([]byte, 0, len(fields)+len(msg))
			body = append(append(body, fields...), msg...)
		}
		return n.store.Enqueue(ctx, &queue.Message{ID: n.store.NewID(), Tenant: systemTenant, From: from,
			Rcpts: []string{to}, Stream: queue.Transactional, Flags: delivery.FlagTLSReport, Created: clock.Now(), Body: body})
	}
}

// runTLSReports runs the reporter until ctx ends (it flushes then).
func (n *node) runTLSReports(ctx context.Context) {
	if n.tlsReports == nil {
		return
	}
	n.goServe("tls reports", func() error {
		n.tlsReports.Run(ctx)
		return nil
	})
}

// closeTLSReports flushes the last counts and closes the reporter's
// store; the spool must still be open (mailed reports go there).
func (n *node) closeTLSReports() {
	if n.tlsReports == nil {
		return
	}
	if err := n.tlsReports.Close(); err != nil {
		n.log.Warn("tls reports close", "err", err)
	}
	n.tlsReports = nil
}
