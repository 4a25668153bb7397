package main

import (
	"context"
	"fmt"

	"sluice/mta/tlspolicy"
)

// openTLSReports opens the TLS reporter (RFC 8460) over the delivery's
// policy statistics, mailed reports queued through the spool, when
// delivery.tls_reports is on (tlsrpt.NodeConfig.Open).
func (n *node) openTLSReports(stats *tlspolicy.Stats, tc tlspolicy.Config) error {
	nc, err := n.cfg.TLSReports(tc, n.log)
	if err != nil {
		return err
	}
	if n.tlsrptHook != nil {
		n.tlsrptHook(&nc.Reporter)
	}
	if n.tlsReports, err = nc.Open(stats, n.store); err != nil {
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
