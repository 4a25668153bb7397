package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
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
	"sluice/queue"
	"sluice/tracking/events"
)

// remoteSuppressor records unsubscribes through the admin API of the node
// that owns the spool; its 200 comes after the spool's fsync, so the
// edge's own 200 still means durable.
type remoteSuppressor struct {
	url, token string
	client     *http.Client
}

func (r remoteSuppressor) Suppress(ctx context.Context, s queue.Suppression) error {
	b, _ := json.Marshal(admin.Suppression{Tenant: s.Tenant, Address: s.Addr, Scope: s.Scope.String(), Reason: s.Reason})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/api/v1/suppressions", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sluice-Actor", "edge")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("suppress via %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("suppress via %s: %s", r.url, resp.Status)
	}
	return nil
}

// runEdge implements `sluice edge --config FILE`: the tracking edge alone,
// for scaling it out. Events go to this edge's own events store;
// unsubscribes go to the node named by tracking.suppress_via.
func runEdge(args []string, stdout, stderr io.Writer) int {
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
	log := newLogger(cfg.Log.Level, stderr)
	tuneGC()
	token := cfg.Admin.Token
	if token == "" {
		raw, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin.token"))
		if err != nil {
			fmt.Fprintf(stderr, "sluice: admin token for tracking.suppress_via: set admin.token (%v)\n", err)
			return 2
		}
		token = strings.TrimSpace(string(raw))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		fmt.Fprintf(stderr, "sluice: data dir: %v\n", err)
		return 1
	}
	kr, err := loadKeyring(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	wh, err := newWebhooks(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	ev, err := events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration, Logger: log,
		InTx: wh.hook()})
	if err != nil {
		fmt.Fprintf(stderr, "sluice: events store: %v\n", err)
		return 1
	}
	sup := remoteSuppressor{url: strings.TrimSuffix(cfg.Tracking.SuppressVia, "/"), token: token, client: &http.Client{Timeout: 10 * time.Second}}
	m := newMetrics()
	edge, err := buildEdge(cfg, kr, ev, sup, log, m)
	if err == nil {
		err = wh.start(cfg, ev, nil, log, m) // no spool here: no recipient addresses
	}
	if err != nil {
		ev.Close(context.Background())
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Tracking.Listen)
	if err != nil {
		ev.Close(context.Background())
		fmt.Fprintf(stderr, "sluice: tracking.listen: %v\n", err)
		return 1
	}
	errc := make(chan error, 1)
	go func() { errc <- ignoreClosed(edge.Serve(ln)) }()
	whCtx, whStop := context.WithCancel(context.Background())
	whDone := make(chan error, 1)
	go func() { whDone <- wh.run(whCtx) }()
	log.Info("sluice edge started", "listen", ln.Addr().String(), "suppress_via", sup.url)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	code := 0
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
	log.Info("sluice edge stopped")
	return code
}
