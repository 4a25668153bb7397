package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sluice/admin"
	"sluice/configs"
	"sluice/internal/reload"
	"sluice/metrics"
	"sluice/tracking"
	"sluice/tracking/events"
)

// runEdge implements `sluice edge --config FILE`: the tracking edge alone,
// for scaling it out. Events go to this edge's own events store;
// unsubscribes go to the node named by tracking.suppress_via.
func runEdge(args []string, stdout, stderr io.Writer) int {
	hup := reload.CatchSIGHUP() // from the start: SIGHUP reloads, never kills
	defer hup.Stop()
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "TOML config file (the same as the node's)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := configs.LoadOrDefault(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	if cfg.Tracking.SuppressVia == "" {
		fmt.Fprintln(stderr, "sluice: config: tracking.suppress_via: required for `sluice edge` (the admin URL of the node that keeps suppressions)")
		return 2
	}
	log, _, _ := newLogger(cfg.Log, stderr)
	tuneGC()
	token, err := admin.ReadToken(cfg.Admin.Token, filepath.Join(cfg.DataDir, admin.TokenFile))
	if err != nil {
		fmt.Fprintf(stderr, "sluice: admin token for tracking.suppress_via: set admin.token (%v)\n", err)
		return 2
	}
	sup := admin.RemoteSuppressor{URL: cfg.Tracking.SuppressVia, Token: token, Client: &http.Client{Timeout: 10 * time.Second}}
	p, code := startEdge(cfg, sup, log, stderr)
	if p == nil {
		return code
	}
	hup.Serve(p.https.reloads)
	stopHTTPS := p.https.serve(p.edge, log) // edgetls.go
	code = serveEdge(p.edge, p.ln, p.wh, p.ev, strings.TrimSuffix(sup.URL, "/"), log)
	stopHTTPS()
	mctx, mcancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = p.metrics.Shutdown(mctx)
	mcancel()
	log.Info("sluice edge stopped")
	return code
}

// edgeProc is what `sluice edge` serves.
type edgeProc struct {
	edge *tracking.Edge
	ln   net.Listener
	wh   *webhooks
	ev   *events.Store
	// metrics serves /metrics on admin.listen.
	metrics *http.Server
	// https serves tracking.https_addr (edgetls.go).
	https *edgeHTTPS
}

// startEdge opens the edge's events store with its webhooks, builds the
// edge over it and binds tracking.listen. On failure it prints why and
// returns a nil edgeProc and the exit status.
func startEdge(cfg *configs.Config, sup admin.RemoteSuppressor, log *slog.Logger, stderr io.Writer) (*edgeProc, int) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		fmt.Fprintf(stderr, "sluice: data dir: %v\n", err)
		return nil, 1
	}
	kr, err := loadKeyring(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return nil, 1
	}
	wh, err := newWebhooks(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return nil, 2
	}
	ev, err := events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration, Logger: log,
		InTx: wh.hook()})
	if err != nil {
		fmt.Fprintf(stderr, "sluice: events store: %v\n", err)
		return nil, 1
	}
	m := metrics.New()
	hs, err := openEdgeHTTPS(cfg, log)
	var edge *tracking.Edge
	if err == nil {
		edge, err = buildEdge(cfg, kr, ev, sup, log, m, hs.certs, nil)
	}
	if err == nil {
		err = wh.start(cfg, ev, nil, log, m) // no spool here: no recipient addresses
	}
	var ln net.Listener
	if err == nil {
		if ln, err = net.Listen("tcp", cfg.Tracking.Listen); err != nil {
			err = fmt.Errorf("tracking.listen: %w", err)
		}
	}
	var msrv *http.Server
	if err == nil {
		if msrv, err = startEdgeMetrics(cfg.Admin.Listen, m, log); err != nil {
			ln.Close()
		}
	}
	if err != nil {
		hs.close()
		ev.Close(context.Background())
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return nil, 1
	}
	return &edgeProc{edge: edge, ln: ln, wh: wh, ev: ev, metrics: msrv, https: hs}, 0
}

// serveEdge serves the edge and its webhooks until a signal or a serve
// error, then stops them and closes the events store; it returns the exit
// status.
func serveEdge(edge *tracking.Edge, ln net.Listener, wh *webhooks, ev *events.Store, suppressVia string, log *slog.Logger) (code int) {
	errc := make(chan error, 1)
	go func() { errc <- ignoreClosed(edge.Serve(ln)) }()
	whCtx, whStop := context.WithCancel(context.Background())
	whDone := make(chan error, 1)
	go func() { whDone <- wh.run(whCtx) }()
	log.Info("sluice edge started", "listen", ln.Addr().String(), "suppress_via", suppressVia)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case <-sigs:
	case err := <-errc:
		if err != nil {
			log.Error("edge failed", "err", err)
			code = 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = edge.Shutdown(ctx)
	ln.Close()
	whStop()
	if err := <-whDone; err != nil {
		log.Warn("webhooks", "err", err)
	}
	if err := ev.Close(ctx); err != nil {
		log.Warn("events store close", "err", err)
	}
	return code
}

// startEdgeMetrics serves m's GET /metrics and /healthz on addr
// (admin.listen): `sluice edge` has no admin API, so this listener is its
// scrape target. Shut the server down with the edge.
func startEdgeMetrics(addr string, m *metrics.Set, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin.listen (the edge's /metrics): %w", err)
	}
	return m.Serve(ln, log), nil
}
