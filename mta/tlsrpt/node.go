package tlsrpt

import (
	"cmp"
	"log/slog"

	"sluice/mta/tlspolicy"
)

// NodeConfig is a node's TLS reporting as its configuration sets it up
// (configs.Config.TLSReports): whether it reports at all, the reporter's
// Config, and the DKIM signer of mailed reports.
type NodeConfig struct {
	// Enabled is delivery.tls_reports.
	Enabled bool
	// Reporter is the reporter's Config; Open sets its Source and
	// Enqueue.
	Reporter Config
	// Signer signs mailed reports (the dkim.key aligned with the From
	// domain); nil: they go unsigned, and Open warns so.
	Signer Signer
}

// Open opens the node's reporter over stats, the delivery's TLS policy
// statistics (Source: stats.Take), queueing mailed reports on spool
// (SpoolEnqueue, signed by Signer). Not Enabled, it returns a nil
// Reporter and stats keeps no report data: nothing would ever take it,
// and it would grow by one entry per domain delivered to.
func (c NodeConfig) Open(stats *tlspolicy.Stats, spool Spool) (*Reporter, error) {
	if !c.Enabled {
		stats.DisableReports()
		return nil, nil
	}
	rc := c.Reporter
	rc.Source = stats.Take
	if c.Signer == nil {
		log := cmp.Or(rc.Log, slog.Default())
		log.Warn("tls reports: no dkim.key for the From domain; mailed reports go unsigned", "from", rc.From)
	}
	rc.Enqueue = SpoolEnqueue(spool, c.Signer, nil)
	return Open(rc)
}
