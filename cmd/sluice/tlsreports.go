package main

import (
	"context"
	"fmt"

	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
)

// openTLSReports opens the TLS reporter (RFC 8460) when
// delivery.tls_reports is on, over the delivery's policy statistics
// (stats.Take), queueing mailed reports through the spool
// (tlsrpt.SpoolEnqueue), DKIM-signed when a dkim.key covers the From
// domain. When it is off, stats keeps no report data (nothing would
// drain it).
func (n *node) openTLSReports(stats *tlspolicy.Stats, tc tlspolicy.Config) error {
	if !n.cfg.Delivery.TLSReports {
		stats.DisableReports()
		return nil
	}
	rc, err := n.cfg.TLSReporter(tc, n.log)
	if err != nil {
		return err
	}
	signer, err := n.cfg.TLSReportSigner()
	if err != nil {
		return err
	}
	rc.Source = stats.Take
	if n.tlsrptHook != nil {
		n.tlsrptHook(&rc)
	}
	if signer == nil {
		n.log.Warn("tls reports: no dkim.key for the From domain; mailed reports go unsigned", "from", rc.From)
	}
	rc.Enqueue = tlsrpt.SpoolEnqueue(n.store, signer, nil)
	if n.tlsReports, err = tlsrpt.Open(rc); err != nil {
		return fmt.Errorf("tls reports: %w", err)
	}
	return nil
}

// runTLSReports runs the reporter until ctx ends (it flushes then).
func (n *node) runTLSReports(ctx context.Context) {
	if n.tlsReports != nil {
		n.goServe("tls reports", func() error { n.tlsReports.Run(ctx); return nil })
	}
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
