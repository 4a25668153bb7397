package main

import (
	"context"
	"crypto/tls"
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

	"sluice/admin"
	"sluice/configs"
	"sluice/internal/logging"
	"sluice/metrics"
	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/mta/mx"
	"sluice/mta/shaping"
	"sluice/mta/submit"
	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
	"sluice/tracking/webhook"
)

// node is one running sluice: every server of `sluice serve`, wired
// statically.
type node struct {
	cfg *configs.Config
	log *slog.Logger
	// logLevel is log's level, changed by `ctl log-level`; nil in tests.
	logLevel *slog.LevelVar
	metrics  *metrics.Set
	store    *queue.Store
	engine   *delivery.Engine
	kick     atomic.Pointer[delivery.Engine] // engine, for the spool's OnDue
	backend  *submit.Backend
	limiter  *submit.LocalLimiter // per-tenant rate and daily quota
	worker   *inbound.Worker
	shaping  *shaping.Policy
	// tenantNames lists the tenants, for admin operations across them.
	tenantNames []string
	// cgoRSA: some DKIM key signs RSA through OpenSSL (see tuneProcs).
	cgoRSA bool

	submission *smtp.Server
	inbound    *smtp.Server
	edge       *tracking.Edge
	events     *events.Store
	webhooks   *webhooks
	fleet      *fleetNode // [cluster]: nil on a single node (fleet.go)
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
	logLevel *slog.LevelVar // the logger's level, for ctl log-level; nil: fixed
	// redactor is the logger's recipient redaction, given the spool's
	// keyed hash once the spool is open; nil in tests.
	redactor *logging.Redactor
}

// startNode opens the spool, binds every listener and starts serving.
// Messages for the operator (the development tenant's password) go to out.
// It reads as the order of construction: the spool first (delivery and
// submission write to it), delivery before submission (the spool wakes
// the scheduler), the events store before the edge and the admin API that
// read it, the listeners last.
func startNode(cfg *configs.Config, log *slog.Logger, out io.Writer, opts nodeOptions) (n *node, err error) {
	n = &node{cfg: cfg, log: log, logLevel: opts.logLevel, metrics: metrics.New(), errc: make(chan error, 8)}
	started := n // the error returns below set n to nil
	defer func() {
		if err != nil {
			started.closeAll()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	p, err := n.prepare(out)
	if err != nil {
		return nil, err
	}
	steps := []func(*parts) error{
		n.openSpool,
		func(*parts) error {
			if opts.redactor != nil {
				opts.redactor.SetHasher(n.store.HashAddr) // log lines: the hash privacy export prints
			}
			return nil
		},
		n.buildReturns,
		func(p *parts) error { return n.buildDelivery(p, opts.onEvent) },
		n.buildSubmission,
		func(p *parts) error { return n.buildInbound(p, opts.onReturn) },
		n.openEvents,
		n.buildEdgeAndAdmin,
		n.listen,
		n.startFleet,
	}
	for _, step := range steps {
		if err := step(p); err != nil {
			return nil, err
		}
	}
	n.serve()
	return n, nil
}

// parts are what one step of start-up builds for the next ones.
type parts struct {
	tls        *tls.Config
	tenants    []*submit.Tenant
	adminToken string
	retry      queue.RetryPolicy
	keyring    *token.Keyring
	toks       inbound.KeyringTokens
	resolver   *mx.Resolver
	classifier *bounce.Classifier
	policy     *inbound.Policy
	guards     *metrics.Guards
}

// prepare reads or creates what start-up needs before any store opens:
// the TLS certificate, the tenants with their DKIM signers, the admin
// token and the tracking keyring.
func (n *node) prepare(out io.Writer) (p *parts, err error) {
	cfg := n.cfg
	p = &parts{guards: n.metrics.Guards()}
	if p.tls, err = (submit.TLSFiles{CertFile: cfg.Submission.TLSCert, KeyFile: cfg.Submission.TLSKey,
		Dir: filepath.Join(cfg.DataDir, "tls"), Host: cfg.Hostname}).Load(); err != nil {
		return nil, err
	}
	if p.tenants, err = buildTenants(cfg, out); err != nil {
		return nil, err
	}
	if p.adminToken, err = admin.LoadOrCreateToken(cfg.Admin.Token, filepath.Join(cfg.DataDir, admin.TokenFile)); err != nil {
		return nil, err
	}
	for _, t := range p.tenants {
		n.tenantNames = append(n.tenantNames, t.Name)
		if len(t.Pools) == 0 {
			// Stored with its real name, so holds on the default pool
			// (by that name) cover this tenant's mail.
			t.Pools = []string{cfg.Delivery.DefaultPool}
		}
	}
	if n.cgoRSA, err = attachSigners(cfg, p.tenants, n.log); err != nil {
		return nil, err
	}
	if p.keyring, err = loadKeyring(cfg); err != nil {
		return nil, err
	}
	p.toks = inbound.KeyringTokens{Keyring: p.keyring}
	attachTrackers(cfg, p.tenants, p.keyring, n.log)
	p.retry = queue.RetryPolicy{First: cfg.Queue.RetryFirst.Duration, Max: cfg.Queue.RetryMax.Duration, MaxAge: cfg.Queue.MaxAge.Duration}
	return p, nil
}

// attachTrackers gives each configured tenant its link tracker.
func attachTrackers(cfg *configs.Config, tenants []*submit.Tenant, kr *token.Keyring, log *slog.Logger) {
	if cfg.Tracking.BaseURL == "" {
		log.Warn("tracking.base_url is not set: no tracking links and no List-Unsubscribe headers")
		return
	}
	for i, ct := range cfg.Tenants { // the development tenant has no tracking settings
		tenants[i].Tracker = tracking.NewTracker(tracking.TrackerConfig{Keyring: kr, BaseURL: cfg.Tracking.BaseURL,
			BounceDomain: ct.BounceDomain, Mode: ct.Tracking, TrackText: ct.TrackText})
	}
}

// openSpool opens the queue store. Mail made due (enqueued, resumed,
// retried) wakes the scheduler, whoever made it so; journaled events
// (sent, delivery outcomes, operator bounces) wake the follower that
// applies them to the events store. Both are built after the spool.
func (n *node) openSpool(p *parts) (err error) {
	n.store, err = queue.Open(filepath.Join(n.cfg.DataDir, "spool.db"), queue.Options{
		Logger: n.log, Retry: p.retry, Observe: n.metrics.ObserveCommit,
		OnDue: func() {
			if e := n.kick.Load(); e != nil {
				e.Kick()
			}
		},
		OnJournal: func() {
			if f := n.follower.Load(); f != nil {
				f.Kick()
			}
		},
	})
	return err
}

// buildReturns makes what decides on bounces and complaints (shared by
// the synchronous failures of delivery and the returns worker) and the
// DNS resolver that delivery and FBL checks use.
func (n *node) buildReturns(p *parts) (err error) {
	cfg := n.cfg
	var rules []bounce.Rule
	for _, r := range cfg.BounceRules {
		rules = append(rules, bounce.Rule{Name: r.Name, Pattern: r.Pattern, Code: r.Code, Enhanced: r.Enhanced,
			Site: r.Site, Class: bounce.Class(r.Class), Reason: bounce.Reason(r.Reason)})
	}
	if p.classifier, err = bounce.NewWithOptions(bounce.Options{Rules: rules}); err != nil {
		return fmt.Errorf("config: bounce_rule: %w", err)
	}
	p.policy = &inbound.Policy{Store: n.store, SoftThreshold: cfg.Suppression.SoftThreshold, SoftWindow: cfg.Suppression.SoftWindow.Duration}
	servers := cfg.Delivery.Resolvers
	if len(servers) == 0 {
		if servers, err = mx.SystemServers("/etc/resolv.conf"); err != nil {
			return fmt.Errorf("delivery.resolvers: none configured and %w", err)
		}
	}
	p.resolver, err = mx.New(mx.Config{Servers: servers})
	return err
}

// buildDelivery makes the shaping policy and the delivery engine; a
// failed delivery goes through the synchronous returns policy.
func (n *node) buildDelivery(p *parts, onEvent func(delivery.Event)) (err error) {
	if n.shaping, err = buildShaping(n.cfg, n.log, n.metrics); err != nil {
		return err
	}
	syncReturns := &inbound.SyncReturns{Classifier: p.classifier, Policy: p.policy, Logger: n.log}
	dc := deliveryConfig(n.cfg, p.retry)
	dc.Store, dc.Resolver, dc.Logger = n.store, p.resolver, n.log
	dc.ReturnPath = returnPath(n.cfg, p.toks)
	dc.Shaping, dc.SiteHeld = n.shaping, n.store.SiteHeld
	dc.Suppressed = n.store.SuppressedFor
	dc.OnEvent = func(ev delivery.Event) {
		n.metrics.Outcome(ev.Kind, ev.Latency)
		// The event store hears of ev through the spool's journal,
		// written with the outcome (see startJournal).
		if class, failed := syncReturns.ApplyEvent(context.Background(), ev); failed {
			n.metrics.Return("sync", string(class))
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
	dc.ConnOpened, dc.ConnClosed, dc.ConnDropped = n.metrics.ConnOpened, n.metrics.ConnClosed, n.metrics.ConnDropped
	if err := wireTLSPolicy(n.cfg, &dc, n.log, n.metrics.TLSPolicy()); err != nil {
		return err
	}
	if n.engine, err = delivery.New(dc); err != nil {
		return err
	}
	n.kick.Store(n.engine)
	n.metrics.RegisterQueue(n.store, n.engine.InFlight, nil)
	n.metrics.RegisterSpoolFS(n.cfg.DataDir)
	return nil
}

// deliveryConfig maps the [delivery], [[source]], [[pool]] and [[route]]
// sections onto delivery.Config (the stores and hooks are the caller's).
func deliveryConfig(cfg *configs.Config, retry queue.RetryPolicy) delivery.Config {
	d := cfg.Delivery
	dc := delivery.Config{
		DefaultPool: d.DefaultPool, Port: d.Port, HeloName: d.HeloName,
		DisableTLS: d.TLS == "disabled", MaxInFlight: cfg.Queue.MaxInFlight, MaxReadyBytes: cfg.Queue.MaxReadyBytes,
		MaxConnsPerDest: d.MaxConnectionsPerDomain, MaxMsgsPerConn: d.MaxMessagesPerConnection,
		MaxRcptsPerTxn: d.MaxRecipientsPerTransaction, IdleTimeout: d.IdleTimeout.Duration,
		ConnectTimeout: d.ConnectTimeout.Duration, CommandTimeout: d.CommandTimeout.Duration,
		DataTimeout: d.DataTimeout.Duration, Retry: retry,
		Routes: make([]delivery.Route, len(cfg.Routes)),
	}
	for i, r := range cfg.Routes {
		dc.Routes[i] = delivery.Route{Domain: r.Domain, Host: r.Host}
	}
	for _, src := range cfg.Sources {
		ds := delivery.Source{Name: src.Name, HeloName: src.HeloName}
		if src.Address != "" {
			ds.Addr = netip.MustParseAddr(src.Address) // validated by configs
		}
		dc.Sources = append(dc.Sources, ds)
	}
	if len(cfg.Pools) > 0 {
		dc.Pools = map[string][]string{}
		for _, p := range cfg.Pools {
			dc.Pools[p.Name] = p.Sources
		}
	}
	return dc
}

// returnPath is the VERP return path of the tenants that set a
// bounce_domain, or nil when none does (inbound.KeyringTokens.VERP).
func returnPath(cfg *configs.Config, toks inbound.KeyringTokens) func(*queue.Work, queue.WorkRcpt) string {
	domains := make(map[string]string, len(cfg.Tenants))
	for _, t := range cfg.Tenants {
		domains[t.Name] = t.BounceDomain
	}
	return toks.VERP(domains)
}

// buildSubmission makes the submission backend and its SMTP server.
func (n *node) buildSubmission(p *parts) error {
	sc := n.cfg.Submission
	var trusted []netip.Prefix
	for _, pfx := range sc.TrustedNetworks {
		trusted = append(trusted, netip.MustParsePrefix(pfx)) // validated by configs
	}
	throttle, err := authThrottle(sc, n.log, p.guards)
	if err != nil {
		return fmt.Errorf("submission auth throttle: %w", err)
	}
	if n.limiter, err = tenantLimiter(n.cfg, n.log); err != nil {
		return err
	}
	n.backend, err = submit.New(submit.Config{
		Hostname: n.cfg.Hostname, Tenants: p.tenants, MaxMessageBytes: sc.MaxMessageBytes,
		MaxRecipients: sc.MaxRecipients, MaxSessions: sc.MaxSessions,
		AllowPlaintextAuthOnLoopback: sc.AllowPlaintextAuthOnLoopback,
		TrustedNetworks:              trusted, TrustedTenant: sc.TrustedTenant,
		Spool: n.store, Suppressions: n.store, Logger: n.log, Metrics: n.metrics.SubmitHooks(),
		Throttle: throttle, MaxLineLength: sc.MaxLineLength, MaxSessionsPerTenant: sc.MaxSessionsPerTenant,
		Limiter: n.limiter,
	})
	if err != nil {
		return err
	}
	n.submission = n.backend.NewServer(p.tls, sc.ReadTimeout.Duration, sc.WriteTimeout.Duration)
	return nil
}

// buildInbound makes the returns worker (bounces and complaints, from the
// spool's inbox) and the inbound MX that fills that inbox.
func (n *node) buildInbound(p *parts, onReturn func(inbound.Event)) error {
	ic := n.cfg.Inbound
	fbl, err := inbound.NewFBLAuth(ic.FBLProviders, p.resolver, ic.DKIMTimeout.Duration)
	if err != nil {
		return fmt.Errorf("config: inbound.fbl_providers: %w", err)
	}
	policyReturns := n.metrics.PolicyReturns()
	n.worker = inbound.NewWorker(inbound.WorkerConfig{
		Store: n.store, Tokens: p.toks, Tracking: p.toks, FBL: fbl, SendingIPs: n.cfg.SendingPrefixes(), Classifier: p.classifier, Policy: p.policy, Logger: n.log,
		// An accepted message bounced later for reputation or content
		// slows its (source, site) down like a synchronous throttle.
		OnPolicyReturn: func(source, site string, class bounce.Class, reason string) {
			l := n.shaping.ObserveReturn(source, site, string(class)+" "+reason)
			policyReturns.Inc(l.Rule, source, string(class))
		},
		OnEvent: func(ev inbound.Event) {
			class := string(ev.Class)
			if ev.Kind == "unattributed" {
				class = "unattributed"
			}
			n.metrics.Return("inbound", class)
			// The event store hears of ev through the spool journal
			// (DoneReturn), like delivery outcomes.
			if onReturn != nil {
				onReturn(ev)
			}
		},
	})
	inTLS, err := inboundTLS(n.cfg, p.tls)
	if err != nil {
		return err
	}
	inBackend := inbound.NewBackend(inbound.ServerConfig{TLSConfig: inTLS,
		Hostname: n.cfg.Hostname, Domains: ic.Domains, FBLLocalParts: ic.FBLLocalParts,
		Tokens: p.toks, Inbox: n.store, Logger: n.log, Accepted: n.worker.Kick,
	})
	n.inbound = inBackend.NewServer(submit.ServerLog(n.log))
	return nil
}

// openEvents opens the events store with its webhook outbox, and the
// journal follower that feeds it from the spool.
func (n *node) openEvents(p *parts) (err error) {
	cfg := n.cfg
	if n.webhooks, err = newWebhooks(cfg); err != nil {
		return err
	}
	n.events, err = events.Open(filepath.Join(cfg.DataDir, "events.db"), events.Options{Retention: cfg.Tracking.Retention.Duration, Logger: n.log,
		InTx: n.webhooks.hook()})
	if err != nil {
		return fmt.Errorf("events store: %w", err)
	}
	n.metrics.RegisterEvents(n.events)
	// The follower applies the spool's event journal (every reception and
	// delivery outcome the spool commits) to the events store.
	n.journal = n.events.Follow(n.store, events.FollowOptions{Logger: n.log, Classify: classifyReply(p.classifier)})
	n.follower.Store(n.journal)
	n.metrics.RegisterJournal(n.store.JournalDepth, n.journal.Failures)
	return n.webhooks.start(cfg, n.events, webhook.DirectoryRecipients(n.store), n.log, n.metrics)
}

// buildEdgeAndAdmin makes the tracking edge and the admin API, the two
// HTTP servers over the stores.
func (n *node) buildEdgeAndAdmin(p *parts) (err error) {
	if n.edge, err = buildEdge(n.cfg, p.keyring, n.events, n.store, n.log, n.metrics); err != nil {
		return err
	}
	n.admin, err = newAdminServer(n, p.adminToken)
	return err
}

// listen binds every listener, the SMTP ones behind their connection
// guards, so the addresses are known (tests use port 0).
func (n *node) listen(p *parts) (err error) {
	cfg := n.cfg
	listen := func(key, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return ln, nil
	}
	// Submission last: once it accepts connections (what a load balancer
	// and the tests wait for), every other listener is bound too.
	if n.inLn, err = listen("inbound.listen", cfg.Inbound.Listen); err != nil {
		return err
	}
	if n.inLn, err = guardListener("inbound", n.inLn, inboundGuard(cfg.Inbound), n.log, p.guards); err != nil {
		return fmt.Errorf("inbound guard: %w", err)
	}
	if n.edgeLn, err = listen("tracking.listen", cfg.Tracking.Listen); err != nil {
		return err
	}
	if n.adminLn, err = listen("admin.listen", cfg.Admin.Listen); err != nil {
		return err
	}
	if n.subLn, err = listen("submission.listen", cfg.Submission.Listen); err != nil {
		return err
	}
	if n.subLn, err = guardListener("submission", n.subLn, submissionGuard(cfg.Submission), n.log, p.guards); err != nil {
		return fmt.Errorf("submission guard: %w", err)
	}
	return nil
}

// serve starts every server and background loop; shutdown stops them.
func (n *node) serve() {
	runCtx, cancel := context.WithCancel(context.Background())
	n.runCancel = cancel
	n.goServe("delivery", func() error { return n.engine.Run(runCtx) })
	n.goServe("returns", func() error { return n.worker.Run(runCtx) })
	n.goServe("directory purge", func() error {
		return n.store.RunDirectoryPurge(runCtx, queue.DirectoryPurge{Retention: n.cfg.Queue.DirectoryRetention.Duration})
	})
	n.goServe("webhooks", func() error { return n.webhooks.run(runCtx) }) // stopped before the events store closes
	n.goServe("events journal", func() error { return n.journal.Run(runCtx) })
	n.goServe("tenant limits", func() error { return n.limiter.Run(runCtx) }) // saves the day's counts when stopped
	n.goServe("timed holds", func() error {
		admin.Lifter{Queue: n.store, Logger: n.log}.Run(runCtx)
		return nil
	})
	n.goServe("submission", func() error { return ignoreClosed(n.submission.Serve(n.subLn)) })
	n.goServe("inbound", func() error { return ignoreClosed(n.inbound.Serve(n.inLn)) })
	n.goServe("tracking", func() error { return ignoreClosed(n.edge.Serve(n.edgeLn)) })
	n.goServe("admin", func() error { return ignoreClosed(n.admin.Serve(n.adminLn)) })
	n.goServe("fleet", func() error { return n.fleet.run(runCtx) })
	n.log.Info("sluice started",
		"submission", n.subLn.Addr().String(), "inbound", n.inLn.Addr().String(),
		"tracking", n.edgeLn.Addr().String(), "admin", n.adminLn.Addr().String(),
		"data_dir", n.cfg.DataDir, "version", version)
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
	n.fleet.close() // after its goroutines stopped (wg.Wait), before the spool
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
		t, err := submit.LoadOrCreateDevTenant(cfg.DataDir, out)
		if err != nil {
			return nil, fmt.Errorf("development tenant: %w", err)
		}
		return []*submit.Tenant{t}, nil
	}
	ts := make([]*submit.Tenant, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		ts[i] = &submit.Tenant{Name: t.Name, Username: t.Username, PasswordHash: t.PasswordHash,
			SenderDomains: t.SenderDomains, FromAllow: t.FromAllow, MaxSessions: t.MaxSessions,
			MaxMessageBytes: t.MaxMessageBytes, MaxRecipients: t.MaxRecipients,
			Pools: t.Pools}
	}
	return ts, nil
}
