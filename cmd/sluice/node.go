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
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/admin"
	"sluice/configs"
	"sluice/fleet"
	"sluice/internal/certs"
	"sluice/internal/logging"
	"sluice/internal/reload"
	"sluice/metrics"
	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/inbound"
	"sluice/mta/mx"
	"sluice/mta/shaping"
	"sluice/mta/submit"
	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
	"sluice/queue"
	"sluice/tenants"
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
	// warmup (nil unless a source warms up) and blocklist gate the
	// sources per site (delivery.go).
	warmup    *shaping.Warmup
	blocklist *shaping.Blocklist
	// tenantNames lists the tenants, for admin operations across them.
	tenantNames []string
	// tenantStore keeps tenants, credentials and domains as data
	// (tenants.go); closed after the admin API that serves it.
	tenantStore *tenants.Store
	// hosts are the tenants' own tracking hosts, fed by the store;
	// tenantSync replicates it in a fleet (tenants.go).
	hosts      *tracking.HostMap
	tenantSync *fleet.TenantSync
	// cgoRSA: some DKIM key signs RSA through OpenSSL (see tuneProcs).
	cgoRSA bool
	// out receives messages for the operator (the development tenant's
	// password); keyring is the tracking keyring; tlsPolicy is the
	// outbound TLS policy resolver (nil in no test); live is what a
	// config reload swaps (reload.go).
	out       io.Writer
	keyring   *token.Keyring
	tlsPolicy *tlspolicy.Resolver
	live      liveConfig

	submission *smtp.Server
	inbound    *smtp.Server
	edge       *tracking.Edge
	events     *events.Store
	outbox     *webhook.Outbox     // the webhooks' outbox, an events store subscriber
	webhooks   *webhook.Dispatcher // its dispatcher (events.go)
	subs       *subscribers        // reputation guard, accounting log (events.go)
	fleet      *fleet.Member       // [cluster]: nil on a single node (fleet.go)
	admin      *http.Server

	// The HTTPS edge's certificates and listener, every certificate
	// whose files are watched (edge.go), the reload registry
	// SIGHUP runs, the TLS reporter and its test hook (tlsreports.go).
	edgeCerts  *certs.Manager
	edgeTLSLn  net.Listener
	watched    *certs.Watched
	reloads    *reload.Registry
	tlsReports *tlsrpt.Reporter
	tlsrptHook func(*tlsrpt.Config)

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
	// tlsrptHook adjusts the TLS reporter's config (tests: its clock).
	tlsrptHook func(*tlsrpt.Config)
	// configPath is the --config file SIGHUP reads again (reload.go);
	// "": embedded defaults, nothing to reload.
	configPath string
}

// startNode opens the spool, binds every listener and starts serving.
// Messages for the operator (the development tenant's password) go to out.
// It reads as the order of construction: the spool first (delivery and
// submission write to it), delivery before submission (the spool wakes
// the scheduler), the events store before the edge and the admin API that
// read it, the listeners last. Each step is in the file of its room:
// inbound.go (returns), delivery.go, submission.go, events.go (the
// events store), admin.go (the edge and the admin API), fleet.go; what a
// section means to its package is configs' (components*.go).
func startNode(cfg *configs.Config, log *slog.Logger, out io.Writer, opts nodeOptions) (n *node, err error) {
	n = &node{cfg: cfg, log: log, logLevel: opts.logLevel, metrics: metrics.New(), errc: make(chan error, 8),
		reloads: reload.New(log), tlsrptHook: opts.tlsrptHook, out: out}
	n.watched = &certs.Watched{Reloads: n.reloads, Logger: log}
	// First in the registry: the config before the certificates.
	n.addConfigReload(opts.configPath)
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
		func(p *parts) error { n.live.classifier = p.classifier; return nil }, // swapped by a reload (reload.go)
		func(p *parts) error { return n.buildDelivery(p, opts.onEvent) },
		n.buildSubmission,
		n.openTenants,
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
	if s := cfg.Submission; s.TLSCert != "" { // reloaded on SIGHUP and when its files change
		if p.tls, err = n.fileCert("submission", s.TLSCert, s.TLSKey); err != nil {
			return nil, err
		}
	}
	if p.keyring, err = cfg.Keyring(); err != nil {
		return nil, err
	}
	n.keyring, p.toks = p.keyring, inbound.KeyringTokens{Keyring: p.keyring}
	// The tenants as a reload builds them again (reload.go).
	if p.tenants, n.cgoRSA, err = cfg.BuildTenants(n.tenantDeps()); err != nil {
		return nil, err
	}
	cfg.WarnUnsigned(n.log) // no tenant sends unsigned without the operator told
	if p.adminToken, err = admin.LoadOrCreateToken(cfg.Admin.Token, filepath.Join(cfg.DataDir, admin.TokenFile)); err != nil {
		return nil, err
	}
	for _, t := range p.tenants {
		n.tenantNames = append(n.tenantNames, t.Name)
	}
	p.retry = cfg.Retry()
	return p, nil
}

// openSpool opens the queue store. Mail made due (enqueued, resumed,
// retried) wakes the scheduler, whoever made it so; journaled events
// (sent, delivery outcomes, operator bounces) wake the follower that
// applies them to the events store. Both are built after the spool.
func (n *node) openSpool(p *parts) (err error) {
	num, err := n.nodeNumber()
	if err != nil {
		return err
	}
	n.store, err = queue.Open(filepath.Join(n.cfg.DataDir, "spool.db"), queue.Options{
		Node:   num,
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
		// delivery.priorities = false: due order only (queue.Class).
		NoPriorities: !n.cfg.Delivery.PrioritiesEnabled(),
	})
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
	if n.inLn, err = p.guards.Listen("inbound", n.inLn, cfg.Inbound.Guard(), n.log); err != nil {
		return fmt.Errorf("inbound guard: %w", err)
	}
	if n.edgeLn, err = listen("tracking.listen", cfg.Tracking.Listen); err != nil {
		return err
	}
	if n.edgeTLSLn, err = listenEdgeTLS(cfg); err != nil { // tracking.https_addr
		return err
	}
	if n.adminLn, err = listen("admin.listen", cfg.Admin.Listen); err != nil {
		return err
	}
	if n.subLn, err = listen("submission.listen", cfg.Submission.Listen); err != nil {
		return err
	}
	if n.subLn, err = p.guards.Listen("submission", n.subLn, cfg.Submission.Guard(), n.log); err != nil {
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
	n.goServe("webhooks", func() error { return n.webhooks.Run(runCtx) }) // stopped before the events store closes
	n.goServe("events journal", func() error { return n.journal.Run(runCtx) })
	n.goServe("tenant limits", func() error { return n.limiter.Run(runCtx) }) // saves the day's counts when stopped
	n.goServe("timed holds", func() error {
		admin.Lifter{Queue: n.store, Logger: n.log}.Run(runCtx)
		return nil
	})
	n.goServe("submission", func() error { return ignoreClosed(n.submission.Serve(n.subLn)) })
	n.goServe("inbound", func() error { return ignoreClosed(n.inbound.Serve(n.inLn)) })
	n.goServe("tracking", func() error { return ignoreClosed(n.edge.Serve(n.edgeLn)) })
	n.serveEdgeTLS(runCtx)  // HTTPS, certificate watches (edge.go)
	n.runTLSReports(runCtx) // tlsreports.go
	n.goServe("admin", func() error { return ignoreClosed(n.admin.Serve(n.adminLn)) })
	n.goServe("fleet", func() error { return n.fleet.Run(runCtx) })
	n.runWarmup(runCtx)  // delivery.go
	n.runTenants(runCtx) // key retirement, fleet tenant sync (tenants.go)
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
	if n.edgeTLSLn != nil {
		n.edgeTLSLn.Close()
	}
	n.runCancel()
	n.engine.Stop(ctx)
	n.flushWarmup() // the last deliveries' counts (delivery.go)
	actx, acancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = n.admin.Shutdown(actx)
	acancel()
	n.wg.Wait()
	n.closeTenants()    // no AUTH, admin request or sweep is left (tenants.go)
	n.closeTLSReports() // its last flush; mailed reports are in the spool already
	ectx, ecancel := context.WithTimeout(context.Background(), 5*time.Second)
	// The outcomes of the last deliveries are in the journal: apply them
	// now rather than at the next start (what fails stays journaled).
	if _, err := n.journal.Drain(ectx); err != nil {
		n.log.Warn("events journal left for the next start", "err", err, "depth", n.store.JournalDepth())
	}
	n.subs.stop(ectx, n.log) // after the last events, before the store closes
	if err := n.events.Close(ectx); err != nil {
		n.log.Warn("events store close", "err", err)
	}
	ecancel()
	n.fleet.Close() // after its goroutines stopped (wg.Wait), before the spool
	err := n.store.Close()
	n.log.Info("sluice stopped")
	return err
}

// closeAll releases whatever a failed start had opened.
func (n *node) closeAll() {
	for _, ln := range []net.Listener{n.subLn, n.inLn, n.edgeLn, n.edgeTLSLn, n.adminLn} {
		if ln != nil {
			ln.Close()
		}
	}
	n.subs.stop(context.Background(), n.log)
	if n.events != nil {
		n.events.Close(context.Background())
	}
	if n.tenantStore != nil {
		n.tenantStore.Close()
	}
	n.closeTLSReports()
	if n.store != nil {
		n.store.Close()
	}
}
