package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"sluice/configs"
	"sluice/internal/certs"
	"sluice/internal/reload"
	"sluice/tracking"
)

// newEdgeCerts makes the certificate manager of the HTTPS edge from
// [tracking] (static files, ACME hosts with HTTP-01 on the plain
// listener and TLS-ALPN-01 on the HTTPS one) and registers its reload;
// nil when tracking.https_addr is empty.
func newEdgeCerts(cfg *configs.Config, log *slog.Logger, reloads *reload.Registry, hosts tracking.HostTenants) (*certs.Manager, error) {
	t := cfg.Tracking
	if t.HTTPSAddr == "" {
		return nil, nil
	}
	var allow func(string) bool
	if t.ACMETenantHosts && hosts != nil {
		allow = func(h string) bool { _, ok := hosts.HostTenant(h); return ok }
	}
	cm, err := certs.New(certs.Config{CertFile: t.TLSCert, KeyFile: t.TLSKey, Logger: log,
		ACME: certs.ACME{Hosts: t.ACMEHosts, Allow: allow, Directory: t.ACMEDirectory, Email: t.ACMEEmail,
			CacheDir: filepath.Join(cfg.DataDir, "acme"), HTTP01: true}})
	if err != nil {
		return nil, fmt.Errorf("config: tracking.tls_cert / acme_hosts: %w", err)
	}
	reloads.Add("tracking certificate", func(context.Context) error { return cm.Reload() })
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

// submissionTLS gives the submission listener (and the inbound MX, which
// shares its certificate unless inbound.tls_cert is set) a certificate
// reloaded on SIGHUP and when its files change, when submission.tls_cert
// is set. The generated self-signed certificate stays as loaded.
func (n *node) submissionTLS(loaded *tls.Config) (*tls.Config, error) {
	s := n.cfg.Submission
	if s.TLSCert == "" {
		return loaded, nil
	}
	cm, err := certs.New(certs.Config{CertFile: s.TLSCert, KeyFile: s.TLSKey, Logger: n.log})
	if err != nil {
		return nil, fmt.Errorf("config: submission.tls_cert: %w", err)
	}
	n.reloads.Add("submission certificate", func(context.Context) error { return cm.Reload() })
	n.watchCerts = append(n.watchCerts, cm)
	return cm.TLSConfig(), nil
}

// serveEdgeTLS serves the edge over HTTPS when tracking.https_addr is set,
// and watches every certificate's files until ctx ends.
func (n *node) serveEdgeTLS(ctx context.Context) {
	for _, cm := range n.watchCerts {
		n.goServe("certificate watch", func() error { cm.Watch(ctx, certs.WatchInterval); return nil })
	}
	if n.edgeTLSLn == nil {
		return
	}
	n.goServe("tracking https", func() error {
		return ignoreClosed(n.edge.ServeTLS(n.edgeTLSLn, n.edgeCerts.TLSConfig("http/1.1")))
	})
	n.log.Info("tracking edge serves HTTPS", "https", n.edgeTLSLn.Addr().String(),
		"redirect", n.cfg.Tracking.HTTPSRedirect(), "acme_hosts", n.cfg.Tracking.ACMEHosts)
}

// edgeHTTPS is the HTTPS side of `sluice edge`: the certificates (nil
// without tracking.https_addr), the listener and the reload registry
// SIGHUP runs.
type edgeHTTPS struct {
	certs   *certs.Manager
	ln      net.Listener
	reloads *reload.Registry
}

// openEdgeHTTPS makes the certificates and binds tracking.https_addr
// when it is set; the registry is there either way.
func openEdgeHTTPS(cfg *configs.Config, log *slog.Logger) (h *edgeHTTPS, err error) {
	h = &edgeHTTPS{reloads: reload.New(log)}
	if h.certs, err = newEdgeCerts(cfg, log, h.reloads, nil); err == nil {
		h.ln, err = listenEdgeTLS(cfg)
	}
	return h, err
}

// serve serves edge over HTTPS and watches the certificate files until
// the returned stop is called (certs.Manager.Serve).
func (h *edgeHTTPS) serve(edge *tracking.Edge, log *slog.Logger) (stop func()) {
	if h.ln == nil {
		return func() {}
	}
	log.Info("tracking edge serves HTTPS", "https", h.ln.Addr().String())
	return h.certs.Serve(h.ln, edge.ServeTLS, log, certs.WatchInterval, "http/1.1")
}

// close closes the listener (after a failed start).
func (h *edgeHTTPS) close() {
	if h != nil && h.ln != nil {
		h.ln.Close()
	}
}
