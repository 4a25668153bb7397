package main

import (
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
