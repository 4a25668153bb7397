package main

import (
	"context"
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

// buildEdge makes the tracking edge over the events store, suppressing
// through sup (the spool, or the remote admin API for `sluice edge`).
// With cm (tracking.https_addr set), plain HTTP answers ACME HTTP-01
// challenges and redirects to base_url's origin when that is https.
// hosts are the tenants' own tracking hosts (nil: none known, as in
// `sluice edge`, which has no tenants store).
func buildEdge(cfg *configs.Config, kr *token.Keyring, ev *events.Store, sup tracking.Suppressor, log *slog.Logger, m *metrics.Set,
	cm *certs.Manager, hosts tracking.HostTenants) (*tracking.Edge, error) {
	ec, err := cfg.EdgeConfig()
	if err != nil {
		return nil, err
	}
	ec.Keyring, ec.Events, ec.Suppressor, ec.Logger, ec.Hosts = kr, ev, sup, log, hosts
	if cm != nil && len(cfg.Tracking.ACMEHosts) > 0 {
		ec.HTTPChallenge = cm.HTTPChallenge
	}
	edge, err := tracking.New(ec)
	if err != nil {
		return nil, fmt.Errorf("tracking edge: %w", err)
	}
	m.RegisterEdge(edge)
	return edge, nil
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

// serveEdgeTLS serves the edge over HTTPS when tracking.https_addr is set,
// and watches every certificate's files until ctx ends.
func (n *node) serveEdgeTLS(ctx context.Context) {
	n.goServe("certificate watch", func() error { n.watched.Watch(ctx, certs.WatchInterval); return nil })
	if n.edgeTLSLn == nil {
		return
	}
	n.goServe("tracking https", func() error {
		return ignoreClosed(n.edge.ServeTLS(n.edgeTLSLn, n.edgeCerts.TLSConfig("http/1.1")))
	})
	n.log.Info("tracking edge serves HTTPS", "https", n.edgeTLSLn.Addr().String(),
		"redirect", n.cfg.Tracking.HTTPSRedirect(), "acme_hosts", n.cfg.Tracking.ACMEHosts)
}
