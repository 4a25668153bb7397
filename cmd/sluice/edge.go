package main

import (
	"fmt"

	"sluice/tracking"
)

// buildEdge makes the node's tracking edge (configs.EdgeConfig), with
// its HTTPS certificates when tracking.https_addr is set, over the
// events store, suppressing into the spool and serving the tenants' own
// tracking hosts (openTenants made them).
func (n *node) buildEdge(*parts) (err error) {
	if n.edgeCerts, err = n.cfg.EdgeCertManager(n.watched, n.hosts); err != nil {
		return err
	}
	ec, err := n.cfg.EdgeConfig(n.edgeCerts)
	if err != nil {
		return err
	}
	ec.Keyring, ec.Events, ec.Suppressor, ec.Logger, ec.Hosts = n.keyring, n.events, n.store, n.log, n.hosts
	if n.edge, err = tracking.New(ec); err != nil {
		return fmt.Errorf("tracking edge: %w", err)
	}
	n.metrics.RegisterEdge(n.edge)
	return nil
}
