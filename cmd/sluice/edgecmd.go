package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"sluice/admin"
	"sluice/configs"
	"sluice/fleet"
	"sluice/internal/certs"
	"sluice/internal/reload"
	"sluice/metrics"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// runEdge implements `sluice edge --config FILE`: the tracking edge alone,
// for scaling it out (tracking.Standalone). Events go to this edge's own
// events store; unsubscribes go to the node named by
// tracking.suppress_via.
func runEdge(args []string, stdout, stderr io.Writer) int {
	hup := reload.CatchSIGHUP() // from the start: SIGHUP reloads, never kills
	defer hup.Stop()
	cfg, _, ok := loadConfig("edge", "TOML config file (the same as the node's)", args, stderr, nil)
	if !ok {
		return 2
	}
	cc := &cfg.Cluster
	if err := cfg.CheckEdge(); err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	log, _, _ := cfg.Log.Logger(stderr)
	var sup tracking.Suppressor // nil in a fleet: startEdge uses the edge's own spool
	if !cc.Enabled() {
		token, err := admin.ReadToken(cfg.Admin.Token, filepath.Join(cfg.DataDir, admin.TokenFile))
		if err != nil {
			fmt.Fprintf(stderr, "sluice: admin token for tracking.suppress_via: set admin.token (%v)\n", err)
			return 2
		}
		sup = admin.RemoteSuppressor{URL: cfg.Tracking.SuppressVia, Token: token, Client: &http.Client{Timeout: 10 * time.Second}}
	} else if cfg.Tracking.SuppressVia != "" {
		log.Info("tracking.suppress_via unused in a fleet: unsubscribes go to this edge's spool and Redis")
	}
	reloads := reload.New(log)
	s, code, err := startEdge(cfg, sup, reloads, log)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return code
	}
	hup.Serve(reloads)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log.Info("sluice edge started", "listen", s.Listener.Addr().String(), "fleet", cc.Enabled())
	code = 0
	if err := s.Serve(ctx); err != nil {
		log.Error("edge failed", "err", err)
		code = 1
	}
	log.Info("sluice edge stopped")
	return code
}

// startEdge opens the edge's events store with its webhooks, builds the
// edge over it and binds tracking.listen, tracking.https_addr and the
// metrics' admin.listen (`sluice edge` has no admin API: that listener
// is its scrape target). On failure it closes what it opened and returns
// the exit status.
func startEdge(cfg *configs.Config, sup tracking.Suppressor, reloads *reload.Registry, log *slog.Logger) (_ *tracking.Standalone, code int, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, 1, fmt.Errorf("data dir: %w", err)
	}
	kr, err := cfg.Keyring()
	if err != nil {
		return nil, 1, err
	}
	out, err := cfg.WebhookOutbox()
	if err != nil {
		return nil, 2, err
	}
	ev, err := events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration, Logger: log,
		InTx: out.Hook()})
	if err != nil {
		return nil, 1, fmt.Errorf("events store: %w", err)
	}
	m, s := metrics.New(), &tracking.Standalone{Events: ev, Logger: log}
	var ef *tracking.EdgeFleet
	if cfg.Cluster.Enabled() { // the fleet member runs beside the webhooks and closes after the events store
		if ef, sup, err = joinEdgeFleet(cfg, ev, out, m, log); err != nil {
			ev.Close(context.Background())
			return nil, 1, err
		}
		s.Events, s.Webhooks = ef, ef.Run
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// Its files are watched by s.Serve (certs.Manager.Serve).
	if s.Certs, err = cfg.EdgeCertManager(&certs.Watched{Reloads: reloads, Logger: log}, nil); err != nil {
		return nil, 1, err
	}
	if s.Edge, err = newEdge(cfg, kr, ev, sup, log, m, s.Certs, nil); err != nil {
		return nil, 1, err
	}
	d, err := startWebhooks(cfg, ev, out, nil, log, m) // no spool here: no recipient addresses
	if err != nil {
		return nil, 1, err
	}
	if ef != nil {
		ef.Webhooks = d.Run
	} else {
		s.Webhooks = d.Run
	}
	if s.Listener, err = net.Listen("tcp", cfg.Tracking.Listen); err != nil {
		return nil, 1, fmt.Errorf("tracking.listen: %w", err)
	}
	if addr := cfg.Tracking.HTTPSAddr; addr != "" {
		if s.TLSListener, err = net.Listen("tcp", addr); err != nil {
			return nil, 1, fmt.Errorf("tracking.https_addr: %w", err)
		}
	}
	mln, err := net.Listen("tcp", cfg.Admin.Listen)
	if err != nil {
		return nil, 1, fmt.Errorf("admin.listen (the edge's /metrics): %w", err)
	}
	s.Metrics = m.Serve(mln, log)
	return s, 0, nil
}

// joinEdgeFleet opens the edge's suppression spool and joins the fleet
// on it ([cluster] redis set), publishing the edge's statistics and
// registering its fleet metrics on m and following the fleet's
// erasures; the EdgeFleet closes the events
// store, the member and the spool in order. Unsubscribes go to that
// spool and through Redis (the Suppressor).
func joinEdgeFleet(cfg *configs.Config, ev *events.Store, out *webhook.Outbox, m *metrics.Set, log *slog.Logger) (*tracking.EdgeFleet, tracking.Suppressor, error) {
	spool, err := tracking.OpenSuppressionSpool(cfg.DataDir, log, nil)
	if err != nil {
		return nil, nil, err
	}
	o := cfg.MemberOptions(version)
	o.Logger = log
	fm, err := fleet.JoinEdge(context.Background(), spool, o)
	if err != nil {
		spool.Close()
		return nil, nil, fmt.Errorf("cluster: %w", err)
	}
	m.RegisterEdgeMember(fm)
	fm.PublishStats(admin.CountedStatsSource(ev), cfg.FleetStats())
	// A fleet erasure reaches the edge: its unsubscribes kept hashed, its
	// events and pending webhooks of the recipients the nodes named.
	fm.FollowErasures(admin.ApplyErasure(admin.Stores{Spool: spool, Events: ev}, log),
		tracking.EdgeErasures{Events: ev, Outbox: webhook.Stored{Outbox: out, DB: ev}},
		cfg.FleetErase())
	return &tracking.EdgeFleet{Member: fm, Spool: spool, Events: ev}, fm.Suppressions(), nil
}
