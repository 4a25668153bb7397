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
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/admin"
	"sluice/configs"
	"sluice/fleet"
	"sluice/internal/certs"
	"sluice/internal/lifecycle"
	"sluice/internal/logging"
	"sluice/internal/reload"
	"sluice/metrics"
	"sluice/mta/bounce"
	"sluice/mta/delivery"
	"sluice/mta/guard"
	"sluice/mta/inbound"
	"sluice/mta/mx"
	"sluice/mta/shaping"
	"sluice/mta/submit"
	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tenants"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
	"sluice/tracking/webhook"
)

// node is one running sluice: every server of `sluice serve`, wired
// statically.
type node struct {
	cfg     *configs.Config
	log     *slog.Logger
	opts    nodeOptions // the start-up hooks, the log level
	metrics *metrics.Set
	store   *queue.Store
	engine  *delivery.Engine
	kick    atomic.Pointer[delivery.Engine] // engine, for the spool's OnDue
	backend *submit.Backend
	limiter *submit.LocalLimiter // per-tenant rate and daily quota
	worker  *inbound.Worker
	shaping *shaping.Policy
	// warmup (nil unless a source warms up) and blocklist gate the
	// sources per site (delivery.go).
	warmup    *shaping.Warmup
	blocklist *shaping.Blocklist
	// configNames are the configured tenants' names in force (or the
	// development tenant's), for admin operations across them.
	configNames atomic.Pointer[[]string]
	// tenantStore keeps tenants, credentials and domains as data
	// (tenants.go); closed after the admin API that serves it.
	tenantStore *tenants.Store
	// hosts are the tenants' own tracking hosts, fed by the store;
	// tenantSync replicates it in a fleet (tenants.go).
	hosts      *tracking.HostMap
	tenantSync *fleet.TenantSync
	// cgoRSA: some DKIM key signs RSA through OpenSSL (openssl.RaiseProcs in runServe).
	cgoRSA bool
	// out receives messages for the operator (the development tenant's
	// password); keyring is the tracking keyring; tlsPolicy is the
	// outbound TLS policy resolver (nil in no test); reloader is the
	// config's reload, whose steps swap it, the VERP return paths and the
	// bounce classifier among others (reload.go).
	out         io.Writer
	keyring     *token.Keyring
	tlsPolicy   *tlspolicy.Resolver
	reloader    *configs.Reloader
	returnPaths *inbound.ReturnPaths
	classifier  *bounce.Classifier

	submission *smtp.Server
	inbound    *smtp.Server
	edge       *tracking.Edge
	events     *events.Store
	subs       configs.EventSubscribers // reputation guard, webhook outbox, accounting log (events.go)
	guardRun   *reputation.Background   // the guard's goroutine
	webhooks   *webhook.Dispatcher      // the outbox's dispatcher (events.go)
	fleet      *fleet.Member            // [cluster]: nil on a single node (fleet.go)
	admin      *http.Server

	// The HTTPS edge's certificates and listener, every certificate
	// whose files are watched (edge.go), the reload registry
	// SIGHUP runs, the TLS reporter (delivery.go).
	edgeCerts  *certs.Manager
	edgeTLSLn  net.Listener
	watched    *certs.Watched
	reloads    *reload.Registry
	tlsReports *tlsrpt.Reporter

	// journal drains the spool's event journal into events; follower is
	// it for the spool's OnJournal (the spool opens first).
	journal  *events.Follower
	follower atomic.Pointer[events.Follower]

	// Listeners, bound at start so the addresses are known (tests use
	// port 0).
	subLn, inLn, edgeLn, adminLn net.Listener

	life lifecycle.Group // the parts as they run (parts)
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
// read it, the fleet once every writer is built, the admin API last.
// Each step is in the file of its room: inbound.go (returns),
// delivery.go, submission.go, tenants.go, events.go (the events store),
// edge.go, fleet.go, admin.go; what a
// section means to its package is configs' (components*.go).
func startNode(cfg *configs.Config, log *slog.Logger, out io.Writer, opts nodeOptions) (n *node, err error) {
	n = &node{cfg: cfg, log: log, opts: opts, metrics: metrics.New(), reloads: reload.New(log), out: out}
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
		n.buildReturns,
		n.buildDelivery,
		n.buildSubmission,
		n.openTenants,
		n.buildInbound,
		n.openEvents,
		n.buildEdge,
		n.listen,
		n.startFleet,
		n.buildAdmin,
	}
	for _, step := range steps {
		if err := step(p); err != nil {
			return nil, err
		}
	}
	if n.reloader != nil {
		n.reloader.Add(n.reloadSteps()...)
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
	toks       inbound.KeyringTokens
	resolver   *mx.Resolver
	policy     *inbound.Policy
	guards     *metrics.Guards
}

// prepare reads or creates what start-up needs before any store opens:
// the TLS certificate, the tenants with their DKIM signers, the admin
// token and the tracking keyring.
func (n *node) prepare(out io.Writer) (p *parts, err error) {
	cfg := n.cfg
	p = &parts{guards: n.metrics.Guards()}
	if err := cfg.Cluster.Resolve(); err != nil { // [cluster]'s defaults, for the node number and the fleet
		return nil, err
	}
	if p.tls, err = cfg.SubmissionTLS(n.watched); err != nil { // tls_cert reloaded on SIGHUP and when its files change
		return nil, err
	}
	if n.keyring, err = cfg.Keyring(); err != nil {
		return nil, err
	}
	p.toks = inbound.KeyringTokens{Keyring: n.keyring}
	// The tenants as a reload builds them again (reload.go).
	if p.tenants, n.cgoRSA, err = cfg.BuildTenants(n.tenantDeps()); err != nil {
		return nil, err
	}
	cfg.WarnUnsigned(n.log) // no tenant sends unsigned without the operator told
	if p.adminToken, err = admin.LoadOrCreateToken(cfg.Admin.Token, filepath.Join(cfg.DataDir, admin.TokenFile)); err != nil {
		return nil, err
	}
	n.configNames.Store(tenantNames(p.tenants))
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
		Node: num, SegmentThreshold: n.cfg.Queue.SegmentThreshold,
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
	if err == nil && n.opts.redactor != nil {
		n.opts.redactor.SetHasher(n.store.HashAddr) // log lines: the hash privacy export prints
	}
	return err
}

// listen binds every listener, the SMTP ones behind their connection
// guards, so the addresses are known (tests use port 0). Submission
// last: once it accepts connections (what a load balancer and the tests
// wait for), every other listener is bound too.
func (n *node) listen(p *parts) (err error) {
	cfg := n.cfg
	for _, l := range []struct {
		ln          *net.Listener
		key, addr   string
		guard       string // "": none
		guardConfig guard.ListenerConfig
	}{
		{&n.inLn, "inbound.listen", cfg.Inbound.Listen, "inbound", cfg.Inbound.Guard()},
		{&n.edgeLn, "tracking.listen", cfg.Tracking.Listen, "", guard.ListenerConfig{}},
		{&n.edgeTLSLn, "tracking.https_addr", cfg.Tracking.HTTPSAddr, "", guard.ListenerConfig{}}, // "": none
		{&n.adminLn, "admin.listen", cfg.Admin.Listen, "", guard.ListenerConfig{}},
		{&n.subLn, "submission.listen", cfg.Submission.Listen, "submission", cfg.Submission.Guard()},
	} {
		if l.addr == "" {
			continue
		}
		if *l.ln, err = net.Listen("tcp", l.addr); err != nil {
			return fmt.Errorf("%s: %w", l.key, err)
		}
		if l.guard == "" {
			continue
		}
		if *l.ln, err = p.guards.Listen(l.guard, *l.ln, l.guardConfig, n.log); err != nil {
			return fmt.Errorf("%s guard: %w", l.guard, err)
		}
	}
	return nil
}

// serve starts every part of the node (parts); shutdown stops them.
func (n *node) serve() {
	n.life.Logger = n.log
	n.life.Add(n.parts()...)
	n.life.Start()
	if n.edgeTLSLn != nil {
		n.log.Info("tracking edge serves HTTPS", "https", n.edgeTLSLn.Addr().String(),
			"redirect", n.cfg.Tracking.HTTPSRedirect(), "acme_hosts", n.cfg.Tracking.ACMEHosts)
	}
	n.log.Info("sluice started",
		"submission", n.subLn.Addr().String(), "inbound", n.inLn.Addr().String(),
		"tracking", n.edgeLn.Addr().String(), "admin", n.adminLn.Addr().String(),
		"data_dir", n.cfg.DataDir, "version", version)
}

// stores are the first of the node's parts (they stop last, in
// reverse): the spool, the fleet member that reads it, the events store,
// its subscribers, the drain of the spool's journal into it, the TLS
// reporter's store (its last flush mailed into the spool), the tenants
// store. A failed start closes those it opened (closeAll).
func (n *node) stores() []lifecycle.Part {
	const closing = 5 * time.Second // their own bound, after the grace period if need be
	// Only the spool's close decides the exit status: the others' errors
	// are logged (Warn).
	return []lifecycle.Part{
		{Name: "spool", Off: n.store == nil, Stop: lifecycle.Closer(n.store)},
		{Name: "fleet member", Off: n.fleet == nil, Stop: func(context.Context) error { n.fleet.Close(); return nil }},
		{Name: "events store", Off: n.events == nil, Stop: n.events.Close, Timeout: closing, Warn: "events store close"},
		{Name: "accounting log", Off: n.subs.Accounting == nil, Timeout: closing, // what it has not written stays in its outbox
			Stop: func(ctx context.Context) error { return n.subs.Accounting.Stop(ctx) },
			Warn: "accounting log still writing at shutdown"},
		{Name: "reputation guard", Off: n.guardRun == nil, Timeout: closing, // counts what it was handed, saves its windows
			Stop: n.guardRun.Stop, Warn: "reputation guard still saving at shutdown"},
		// The outcomes of the last deliveries are in the journal: applied
		// now rather than at the next start (what fails stays journaled).
		{Name: "events journal drain", Off: n.journal == nil, Timeout: closing, Stop: func(ctx context.Context) error {
			if _, err := n.journal.Drain(ctx); err != nil {
				n.log.Warn("events journal left for the next start", "err", err, "depth", n.store.JournalDepth())
			}
			return nil
		}},
		{Name: "tls reports store", Off: n.tlsReports == nil, Stop: lifecycle.Closer(n.tlsReports), Warn: "tls reports close"},
		{Name: "tenants store", Off: n.tenantStore == nil, Stop: lifecycle.Closer(n.tenantStore), Warn: "tenants store close"},
	}
}

// parts are the node's stores, loops and servers in start order; they
// stop in reverse (lifecycle), each loop returned before the next part's
// turn. So: the SMTP listeners stop accepting and the submissions in
// progress get their answer (Backend.Drain) within the grace period;
// the inbound MX and the edge stop; delivery's last transactions finish
// within what is left of it (then are cancelled: their recipients stay
// in flight); the admin API and the background loops stop; then the
// stores close, the spool last.
func (n *node) parts() []lifecycle.Part {
	return append(append(n.stores(), n.loops()...), n.servers()...)
}

// loops are the node's background loops, stopped after its servers.
func (n *node) loops() []lifecycle.Part {
	return []lifecycle.Part{
		{Name: "tenants sync", Off: n.tenantSync == nil,
			Run: func(ctx context.Context) error { _ = n.tenantSync.Run(ctx); return nil }},
		{Name: "tenants key retirement", Off: n.tenantStore == nil,
			Run: func(ctx context.Context) error { n.tenantStore.RunRetirement(ctx, 0, n.log); return nil }},
		{Name: "tls reports", Off: n.tlsReports == nil, Run: func(ctx context.Context) error { n.tlsReports.Run(ctx); return nil }},
		{Name: "directory purge", Run: func(ctx context.Context) error {
			return n.store.RunDirectoryPurge(ctx, queue.DirectoryPurge{Retention: n.cfg.Queue.DirectoryRetention.Duration})
		}},
		{Name: "timed holds", Run: func(ctx context.Context) error {
			admin.Lifter{Queue: n.store, Logger: n.log}.Run(ctx)
			return nil
		}},
		{Name: "webhooks", Run: n.webhooks.Run},
		{Name: "events journal", Run: n.journal.Run},
		{Name: "returns", Run: n.worker.Run},
		{Name: "fleet", Off: n.fleet == nil, Run: n.fleet.Run},
		{Name: "warm-up", Off: n.warmup == nil, Run: func(ctx context.Context) error { return n.warmup.Run(ctx, 0) }},
		{Name: "certificate watch", Run: func(ctx context.Context) error { n.watched.Watch(ctx, certs.WatchInterval); return nil }},
	}
}

// servers are the node's servers, the SMTP listeners last: they stop
// first.
func (n *node) servers() []lifecycle.Part {
	return []lifecycle.Part{
		{Name: "admin", Run: func(context.Context) error { return n.admin.Serve(n.adminLn) }, Timeout: 2 * time.Second,
			Stop: func(ctx context.Context) error { _ = n.admin.Shutdown(ctx); return nil }},
		{Name: "delivery", Run: n.engine.Run, Stop: func(ctx context.Context) error {
			n.engine.Stop(ctx)
			if err := n.warmup.Flush(); err != nil { // the last deliveries' counts
				n.log.Warn("warm-up state not saved", "err", err)
			}
			return nil
		}},
		{Name: "tracking https", Off: n.edgeTLSLn == nil, Stop: func(context.Context) error { n.edgeTLSLn.Close(); return nil },
			Run: func(context.Context) error { return n.edge.ServeTLS(n.edgeTLSLn, n.edgeCerts.TLSConfig("http/1.1")) }},
		{Name: "tracking", Run: func(context.Context) error { return n.edge.Serve(n.edgeLn) }, Stop: func(ctx context.Context) error {
			_ = n.edge.Shutdown(ctx)
			n.edgeLn.Close() // in case Serve had not started when Shutdown ran
			return nil
		}},
		{Name: "inbound", Run: serveSMTP(n.inbound, n.inLn), Stop: func(context.Context) error { n.inbound.Close(); return nil }},
		{Name: "tenant limits", Run: n.limiter.Run}, // saves the day's counts when stopped
		{Name: "submission", Run: serveSMTP(n.submission, n.subLn), Stop: func(ctx context.Context) error {
			if err := n.backend.Drain(ctx); err != nil {
				n.log.Warn("submission transactions still running at the end of the grace period", "err", err)
			}
			n.submission.Close()
			return nil
		}},
		{Name: "listeners", Stop: func(context.Context) error { // stop accepting; sessions go on
			n.subLn.Close()
			n.inLn.Close()
			return nil
		}},
	}
}

func serveSMTP(s *smtp.Server, ln net.Listener) func(context.Context) error {
	return func(context.Context) error {
		if err := s.Serve(ln); !errors.Is(err, smtp.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// shutdown stops the node's parts in reverse order (parts), the SMTP
// transactions and deliveries in progress given the grace period.
func (n *node) shutdown(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	n.log.Info("sluice shutting down", "grace", grace.String())
	err := n.life.Stop(ctx)
	n.log.Info("sluice stopped")
	return err
}

// closeAll releases what a failed start had opened: its listeners, then
// its stores as shutdown closes them.
func (n *node) closeAll() {
	for _, ln := range []net.Listener{n.subLn, n.inLn, n.edgeLn, n.edgeTLSLn, n.adminLn} {
		if ln != nil {
			ln.Close()
		}
	}
	g := lifecycle.Group{Logger: n.log}
	g.Add(n.stores()...)
	_ = g.Stop(context.Background())
}
