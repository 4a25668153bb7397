package main

import (
	"fmt"
	"log/slog"

	"sluice/configs"
	"sluice/internal/certs"
	"sluice/metrics"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// newEdge makes the tracking edge over the events store, suppressing
// through sup (the spool, or the remote admin API for `sluice edge`),
// with the HTTPS edge's certificates cm (nil: none). hosts are the
// tenants' own tracking hosts (nil: none known, as in `sluice edge`,
// which has no tenants store).
func newEdge(cfg *configs.Config, kr *token.Keyring, ev *events.Store, sup tracking.Suppressor, log *slog.Logger, m *metrics.Set,
	cm *certs.Manager, hosts tracking.HostTenants) (*tracking.Edge, error) {
	ec, err := cfg.EdgeConfig(cm)
	if err != nil {
		return nil, err
	}
	ec.Keyring, ec.Events, ec.Suppressor, ec.Logger, ec.Hosts = kr, ev, sup, log, hosts
	edge, err := tracking.New(ec)
	if err != nil {
		return nil, fmt.Errorf("tracking edge: %w", err)
	}
	m.RegisterEdge(edge)
	return edge, nil
}

// buildEdge makes the node's tracking edge, with its HTTPS certificates
// when tracking.https_addr is set, over the events store and the spool,
// serving the tenants' own tracking hosts (openTenants made them).
func (n *node) buildEdge(p *parts) (err error) {
	if n.edgeCerts, err = n.cfg.EdgeCertManager(n.watched, n.hosts); err != nil {
		return err
	}
	n.edge, err = newEdge(n.cfg, p.keyring, n.events, n.store, n.log, n.metrics, n.edgeCerts, n.hosts)
	return err
}
