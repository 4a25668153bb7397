package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
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
	"sluice/queue"
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

// startEdge builds the edge over its events store with its webhooks
// (tracking.OpenStandalone) and binds tracking.listen,
// tracking.https_addr and the metrics' admin.listen (`sluice edge` has
// no admin API: that listener is its scrape target). On failure it
// closes what it opened and returns the exit status.
func startEdge(cfg *configs.Config, sup tracking.Suppressor, reloads *reload.Registry, log *slog.Logger) (
	*tracking.Standalone, int, error) {
	out, err := cfg.WebhookOutbox()
	if err != nil {
		return nil, 2, err
	}
	o, err := cfg.StandaloneEdge(out, &certs.Watched{Reloads: reloads, Logger: log}, version)
	if err != nil {
		return nil, 1, err
	}
	m := metrics.New()
	o.Edge.Suppressor = sup
	o.Webhooks = func(ev *events.Store) (func(context.Context) error, error) {
		d, err := cfg.WebhookDispatcher(ev, out, nil, log) // no spool here: no recipient addresses
		if err != nil {
			return nil, err
		}
		m.RegisterWebhooks(d, nil)
		return d.Run, nil
	}
	// In a fleet the edge publishes its statistics and follows the
	// fleet's erasures: its unsubscribes kept hashed, its events and
	// pending webhooks of the recipients the nodes named.
	o.Joined = func(fm *fleet.EdgeMember, spool *queue.Store, ev *events.Store) {
		m.RegisterEdgeMember(fm)
		fm.PublishStats(admin.CountedStatsSource(ev), cfg.FleetStats())
		fm.FollowErasures(admin.ApplyErasure(admin.Stores{Spool: spool, Events: ev}, log),
			tracking.EdgeErasures{Events: ev, Outbox: webhook.Stored{Outbox: out, DB: ev}}, cfg.FleetErase())
	}
	s, err := tracking.OpenStandalone(o)
	if err != nil {
		return nil, 1, err
	}
	m.RegisterEdge(s.Edge)
	mln, err := net.Listen("tcp", cfg.Admin.Listen)
	if err != nil {
		s.Close()
		return nil, 1, fmt.Errorf("admin.listen (the edge's /metrics): %w", err)
	}
	s.Metrics = m.Serve(mln, log)
	return s, 0, nil
}
