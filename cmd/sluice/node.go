package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/configs"
	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/mta/mx"
	"sluice/mta/shaping"
	"sluice/mta/submit"
	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
)

// node is one running sluice: every server of `sluice serve`, wired
// statically.
type node struct {
	cfg     *configs.Config
	log     *slog.Logger
	metrics *metrics
	store   *queue.Store
	engine  *delivery.Engine
	kick    atomic.Pointer[delivery.Engine] // engine, for the spool's OnDue
	backend *submit.Backend
	worker  *inbound.Worker
	shaping *shaping.Policy
	// tenantNames lists the tenants, for admin operations across them.
	tenantNames []string
	// cgoRSA: some DKIM key signs RSA through OpenSSL (see tuneProcs).
	cgoRSA bool

	submission *smtp.Server
	inbound    *smtp.Server
	edge       *tracking.Edge
	events     *events.Store
	webhooks   *webhooks
	admin      *http.Server

	// journal drains the spool's event journal into events; follower is
	// it for the spool's OnJournal (the spool opens first).
	journal  *events.Follower
	follower atomic.Pointer[events.Follower]

	// Listeners, bound at start so the addresses are known (tests use
	// port 0).
	subLn, inLn, edgeLn, adminLn net.Listener

	runCancel context.CancelFunc
	wg        sync.WaitGroup
	errc      chan error
}

// nodeOptions are start-up hooks (tests observe events through them).
type nodeOptions struct {
	onEvent  func(delivery.Event)
	onReturn func(inbound.Event)
}

// startNode opens the spool, binds every listener and starts serving.
// Messages for the operator (the development tenant's password) go to out.
func startNode(cfg *configs.Config, log *slog.Logger, out io.Writer, opts nodeOptions) (n *node, err error) {
	n = &node{cfg: cfg, log: log, metrics: newMetrics(), errc: make(chan error, 8)}
	started := n // the error returns below set n to nil
	defer func() {
		if err != nil {
			started.closeAll()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	tlsConfig, err := loadOrCreateTLS(cfg)
	if err != nil {
		return nil, err
	}
	tenants, err := buildTenants(cfg, out)
	if err != nil {
		return nil, err
	}
	adminToken, err := loadOrCreateAdminToken(cfg)
	if err != nil {
		return nil, err
	}
	for _, t := range tenants {
		n.tenantNames = append(n.tenantNames, t.Name)
		if len(t.Pools) == 0 {
			// Stored with its real name, so holds on the default pool
			// (by that name) cover this tenant's mail.
			t.Pools = []string{cfg.Delivery.DefaultPool}
		}
	}
	if n.cgoRSA, err = attachSigners(cfg, tenants, log); err != nil {
		return nil, err
	}
	retry := queue.RetryPolicy{First: cfg.Queue.RetryFirst.Duration, Max: cfg.Queue.RetryMax.Duration, MaxAge: cfg.Queue.MaxAge.Duration}
	n.store, err = queue.Open(filepath.Join(cfg.DataDir, "spool.db"), queue.Options{
		Logger: log, Retry: retry, Observe: n.metrics.observeCommit,
		// Mail made due (enqueued, resumed, retried) wakes the scheduler,
		// whoever made it so. The engine is built after the spool.
		OnDue: func() {
			if e := n.kick.Load(); e != nil {
				e.Kick()
			}
		},
		// Journaled events (sent, delivery outcomes, operator bounces)
		// wake the follower that applies them to the events store.
		OnJournal: func() {
			if f := n.follower.Load(); f != nil {
				f.Kick()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	keyring, err := loadKeyring(cfg)
	if err != nil {
		return nil, err
	}
	toks := inbound.KeyringTokens{Keyring: keyring}
	bounceDomains := map[string]string{}
	for _, t := range cfg.Tenants {
		if t.BounceDomain != "" {
			bounceDomains[t.Name] = t.BounceDomain
		}
	}
	var returnPath func(*queue.Work, queue.WorkRcpt) string
	if len(bounceDomains) > 0 {
		returnPath = toks.ReturnPath(bounceDomains)
	}
	if cfg.Tracking.BaseURL == "" {
		log.Warn("tracking.base_url is not set: no tracking links and no List-Unsubscribe headers")
	} else {
		for i, t := range tenants {
			if i >= len(cfg.Tenants) {
				break // the development tenant has no tracking settings
			}
			ct := cfg.Tenants[i]
			t.Tracker = tracking.NewTracker(tracking.TrackerConfig{Keyring: keyring, BaseURL: cfg.Tracking.BaseURL,
				BounceDomain: ct.BounceDomain, Mode: ct.Tracking, TrackText: ct.TrackText})
		}
	}
	classifier := bounce.New()
	policy := &inbound.Policy{Store: n.store, SoftThreshold: cfg.Suppression.SoftThreshold, SoftWindow: cfg.Suppression.SoftWindow.Duration}
	syncReturns := &inbound.SyncReturns{Classifier: classifier, Policy: policy, Logger: log}
	servers := cfg.Delivery.Resolvers
	if len(servers) == 0 {
		if servers, err = mx.SystemServers("/etc/resolv.conf"); err != nil {
			return nil, fmt.Errorf("delivery.resolvers: none configured and %w", err)
		}
	}
	resolver, err := mx.New(mx.Config{Servers: servers})
	if err != nil {
		return nil, err
	}
	policyShaping, err := buildShaping(cfg, log, n.metrics)
	if err != nil {
		return nil, err
	}
	n.shaping = policyShaping
	routes := make([]delivery.Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		routes[i] = delivery.Route{Domain: r.Domain, Host: r.Host}
	}
	d := cfg.Delivery
	var sources []delivery.Source
	for _, src := range cfg.Sources {
		ds := delivery.Source{Name: src.Name, HeloName: src.HeloName}
		if src.Address != "" {
			ds.Addr = netip.MustParseAddr(src.Address) // validated by configs
		}
		sources = append(sources, ds)
	}
	var pools map[string][]string
	if len(cfg.Pools) > 0 {
		pools = map[string][]string{}
		for _, p := range cfg.Pools {
			pools[p.Name] = p.Sources
		}
	}
	n.engine, err = delivery.New(delivery.Config{
		Sources: sources, Pools: pools, DefaultPool: d.DefaultPool,
		Store: n.store, Resolver: resolver, Routes: routes, Port: d.Port, HeloName: d.HeloName,
		DisableTLS: d.TLS == "disabled", MaxInFlight: cfg.Queue.MaxInFlight,
		MaxConnsPerDest: d.MaxConnectionsPerDomain, MaxMsgsPerConn: d.MaxMessagesPerConnection,
		MaxRcptsPerTxn: d.MaxRecipientsPerTransaction, IdleTimeout: d.IdleTimeout.Duration,
		ConnectTimeout: d.ConnectTimeout.Duration, CommandTimeout: d.CommandTimeout.Duration,
		DataTimeout: d.DataTimeout.Duration, Retry: retry, Logger: log,
		ReturnPath: returnPath,
		Shaping:    policyShaping,
		SiteHeld:   n.store.SiteHeld,
		Suppressed: func(tenant, addr string, st queue.Stream) (string, bool) {
			if sup, ok := n.store.Suppressed(tenant, addr); ok && sup.Scope.Blocks(st) {
				return sup.Reason, true
			}
			return "", false
		},
		OnEvent: func(ev delivery.Event) {
			n.metrics.deliveryEvent(ev)
			// The event store hears of ev through the spool's journal,
			// written with the outcome (see startJournal).
			if string(ev.Kind) == "failed" {
				class, _, _ := syncReturns.Apply(context.Background(), inbound.Failure{Tenant: ev.Tenant, ID: ev.ID,
					Rcpt: ev.Rcpt, Code: ev.Code, Enhanced: ev.Enhanced, Reply: ev.Reply})
				n.metrics.returns.WithLabelValues("sync", string(class)).Inc()
			}
			if opts.onEvent != nil {
				opts.onEvent(ev)
			}
		},
		ConnOpened: n.metrics.delConns.Inc, ConnClosed: n.metrics.delConns.Dec,
	})
	if err != nil {
		return nil, err
	}
	n.kick.Store(n.engine)
	n.metrics.reg.MustRegister(newQueueCollector(n.store, n.engine.InFlight))

	var trusted []netip.Prefix
	for _, p := range cfg.Submission.TrustedNetworks {
		trusted = append(trusted, netip.MustParsePrefix(p)) // validated by configs
	}
	gm := newGuardMetrics(n.metrics.reg)
	throttle, err := authThrottle(cfg.Submission, log, gm)
	if err != nil {
		return nil, fmt.Errorf("submission auth throttle: %w", err)
	}
	subCfg := submit.Config{
		Hostname: cfg.Hostname, Tenants: tenants, MaxMessageBytes: cfg.Submission.MaxMessageBytes,
		MaxRecipients: cfg.Submission.MaxRecipients, MaxSessions: cfg.Submission.MaxSessions,
		AllowPlaintextAuthOnLoopback: cfg.Submission.AllowPlaintextAuthOnLoopback,
		TrustedNetworks:              trusted, TrustedTenant: cfg.Submission.TrustedTenant,
		Spool: n.store, Suppressions: n.store, Logger: log, Metrics: n.metrics.submitHooks(),
		Throttle: throttle, MaxLineLength: cfg.Submission.MaxLineLength,
	}
	n.backend, err = submit.New(subCfg)
	if err != nil {
		return nil, err
	}
	n.submission = n.backend.NewServer(tlsConfig, cfg.Submission.ReadTimeout.Duration, cfg.Submission.WriteTimeout.Duration)
	fbl, err := inbound.NewFBLAuth(cfg.Inbound.FBLProviders, resolver, cfg.Inbound.DKIMTimeout.Duration)
	if err != nil {
		return nil, fmt.Errorf("config: inbound.fbl_providers: %w", err)
	}
	n.worker = inbound.NewWorker(inbound.WorkerConfig{
		Store: n.store, Tokens: toks, Tracking: toks, FBL: fbl, Classifier: classifier, Policy: policy, Logger: log,
		OnEvent: func(ev inbound.Event) {
			class := string(ev.Class)
			if ev.Kind == "unattributed" {
				class = "unattributed"
			}
			n.metrics.returns.WithLabelValues("inbound", class).Inc()
			recordReturn(n.events, ev)
			if opts.onReturn != nil {
				opts.onReturn(ev)
			}
		},
	})
	inBackend := inbound.NewBackend(inbound.ServerConfig{
		Hostname: cfg.Hostname, Domains: cfg.Inbound.Domains, FBLLocalParts: cfg.Inbound.FBLLocalParts,
		Tokens: toks, Inbox: n.store, Logger: log, Accepted: n.worker.Kick,
	})
	n.inbound = inBackend.NewServer(submit.ServerLog(log))
	if n.webhooks, err = newWebhooks(cfg); err != nil {
		return nil, err
	}
	n.events, err = events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration, Logger: log,
		InTx: n.webhooks.hook()})
	if err != nil {
		return nil, fmt.Errorf("events store: %w", err)
	}
	n.metrics.reg.MustRegister(eventsCollector{n.events})
	n.startJournal(log)
	if err := n.webhooks.start(cfg, n.events, spoolRecipients(n.store), log, n.metrics); err != nil {
		return nil, err
	}
	if n.edge, err = buildEdge(cfg, keyring, n.events, n.store, log, n.metrics); err != nil {
		return nil, err
	}
	if n.admin, err = newAdminServer(n, adminToken); err != nil {
		return nil, err
	}

	listen := func(key, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return ln, nil
	}
	if n.subLn, err = listen("submission.listen", cfg.Submission.Listen); err != nil {
		return nil, err
	}
	if n.subLn, err = guardListener("submission", n.subLn, submissionGuard(cfg.Submission), log, gm, n.metrics.reg); err != nil {
		return nil, fmt.Errorf("submission guard: %w", err)
	}
	if n.inLn, err = listen("inbound.listen", cfg.Inbound.Listen); err != nil {
		return nil, err
	}
	if n.inLn, err = guardListener("inbound", n.inLn, inboundGuard(cfg.Inbound), log, gm, n.metrics.reg); err != nil {
		return nil, fmt.Errorf("inbound guard: %w", err)
	}
	if n.edgeLn, err = listen("tracking.listen", cfg.Tracking.Listen); err != nil {
		return nil, err
	}
	if n.adminLn, err = listen("admin.listen", cfg.Admin.Listen); err != nil {
		return nil, err
	}

	runCtx, cancel := context.WithCancel(context.Background())
	n.runCancel = cancel
	n.goServe("delivery", func() error { return n.engine.Run(runCtx) })
	n.goServe("returns", func() error { return n.worker.Run(runCtx) })
	n.goServe("directory purge", func() error { return purgeDirectory(runCtx, n, cfg.Queue.DirectoryRetention.Duration) })
	n.goServe("webhooks", func() error { return n.webhooks.run(runCtx) }) // stopped before the events store closes
	n.goServe("events journal", func() error { return n.journal.Run(runCtx) })
	n.goServe("submission", func() error { return ignoreClosed(n.submission.Serve(n.subLn)) })
	n.goServe("inbound", func() error { return ignoreClosed(n.inbound.Serve(n.inLn)) })
	n.goServe("tracking", func() error { return ignoreClosed(n.edge.Serve(n.edgeLn)) })
	n.goServe("admin", func() error { return ignoreClosed(n.admin.Serve(n.adminLn)) })
	log.Info("sluice started",
		"submission", n.subLn.Addr().String(), "inbound", n.inLn.Addr().String(),
		"tracking", n.edgeLn.Addr().String(), "admin", n.adminLn.Addr().String(),
		"data_dir", cfg.DataDir, "version", version)
	return n, nil
}

func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (n *node) goServe(name string, fn func() error) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := fn(); err != nil {
			n.errc <- fmt.Errorf("%s: %w", name, err)
		}
	}()
}

// shutdown stops the node in order: stop accepting; let SMTP transactions
// in progress finish (their DATA answered) within the grace period; stop
// delivery (in-flight transactions get the rest of the grace period);
// close the spool last.
func (n *node) shutdown(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	n.log.Info("sluice shutting down", "grace", grace.String())
	for _, ln := range []net.Listener{n.subLn, n.inLn} {
		ln.Close() // stop accepting; sessions go on
	}
	if err := n.backend.Drain(ctx); err != nil {
		n.log.Warn("submission transactions still running at the end of the grace period", "err", err)
	}
	n.submission.Close()
	n.inbound.Close()
	_ = n.edge.Shutdown(ctx)
	n.edgeLn.Close() // in case Serve had not started when Shutdown ran
	n.runCancel()
	n.engine.Stop(ctx)
	actx, acancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = n.admin.Shutdown(actx)
	acancel()
	n.wg.Wait()
	ectx, ecancel := context.WithTimeout(context.Background(), 5*time.Second)
	// The outcomes of the last deliveries are in the journal: apply them
	// now rather than at the next start (what fails stays journaled).
	if _, err := n.journal.Drain(ectx); err != nil {
		n.log.Warn("events journal left for the next start", "err", err, "depth", n.store.JournalDepth())
	}
	if err := n.events.Close(ectx); err != nil {
		n.log.Warn("events store close", "err", err)
	}
	ecancel()
	err := n.store.Close()
	n.log.Info("sluice stopped")
	return err
}

// closeAll releases whatever a failed start had opened.
func (n *node) closeAll() {
	for _, ln := range []net.Listener{n.subLn, n.inLn, n.edgeLn, n.adminLn} {
		if ln != nil {
			ln.Close()
		}
	}
	if n.events != nil {
		n.events.Close(context.Background())
	}
	if n.store != nil {
		n.store.Close()
	}
}

func buildTenants(cfg *configs.Config, out io.Writer) ([]*submit.Tenant, error) {
	if len(cfg.Tenants) == 0 {
		t, err := loadOrCreateDevTenant(cfg.DataDir, out)
		if err != nil {
			return nil, fmt.Errorf("development tenant: %w", err)
		}
		return []*submit.Tenant{t}, nil
	}
	ts := make([]*submit.Tenant, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		ts[i] = &submit.Tenant{Name: t.Name, Username: t.Username, PasswordHash: t.PasswordHash,
			SenderDomains: t.SenderDomains, FromAllow: t.FromAllow, MaxMessageBytes: t.MaxMessageBytes, MaxRecipients: t.MaxRecipients,
			Pools: t.Pools}
	}
	return ts, nil
}
