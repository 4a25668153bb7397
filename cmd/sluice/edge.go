package main

import (
	"fmt"
	"log/slog"
	"net"

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
// when tracking.https_addr is set, over the events store and the spool.
func (n *node) buildEdge(p *parts) (err error) {
	if n.edgeCerts, err = newEdgeCerts(n.cfg, n.log, n.watched, n.trackingHosts()); err != nil {
		return err
	}
	n.edge, err = newEdge(n.cfg, p.keyring, n.events, n.store, n.log, n.metrics, n.edgeCerts, n.trackingHosts())
	return err
}

// newEdgeCerts makes the certificate manager of the HTTPS edge
// (configs.EdgeCerts) and adds it to w (its reload registered, its files
// watched); nil when tracking.https_addr is empty.
func newEdgeCerts(cfg *configs.Config, log *slog.Logger, w *certs.Watched, hosts tracking.HostTenants) (*certs.Manager, error) {
	cc, ok := cfg.EdgeCerts(hosts)
	if !ok {
		return nil, nil
	}
	cc.Logger = log
	cm, err := certs.New(cc)
	if err != nil {
		return nil, fmt.Errorf("config: tracking.tls_cert / acme_hosts: %w", err)
	}
	w.Add("tracking", cm)
	return cm, nil
}

// listenEdgeTLS binds tracking.https_addr; nil when it is empty.
func listenEdgeTLS(cfg *configs.Config) (net.Listener, error) {
	if cfg.Tracking.HTTPSAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.Tracking.HTTPSAddr)
	if err != nil {
		return nil, fmt.Errorf("tracking.https_addr: %w", err)
	}
	return ln, nil
}
