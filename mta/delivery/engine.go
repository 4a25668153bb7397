// Package delivery is sluice's outbound engine: one scheduler that claims
// due recipients from the spool, per-destination queues each served by a
// small pool of reused SMTP connections (mta/outbound), MX resolution
// (mta/mx, RFC 5321 §5.1) or configured routes, and the bookkeeping of
// every recipient's outcome (delivered, deferred with a retry time, failed)
// back into the spool and out as events. It tells the shaping policy how
// each connection attempt and each transaction went, and replaces a
// connection much slower than its site's others (a tarpit; slow.go).
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
	"sluice/mta/mx"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// Store is the part of the spool the engine needs.
type Store interface {
	ClaimWith(ctx context.Context, o queue.ClaimOptions) ([]queue.Work, error)
	Body(id queue.ID) ([]byte, error)
	Complete(ctx context.Context, results []queue.Result) error
	NextDue() (time.Time, bool)
}

// Resolver finds where to deliver a domain's mail; *mx.Resolver is one.
type Resolver interface {
	LookupMX(ctx context.Context, domain string) ([]mx.Host, error)
	LookupHost(ctx context.Context, host string) ([]netip.Addr, error)
}

// Source is one egress address mail can leave from. Receivers judge (and
// throttle) per sending IP, so shaping state is kept per source.
type Source struct {
	Name string
	// Addr is the local address to bind; the zero Addr lets the OS choose.
	Addr netip.Addr
	// HeloName is sent in EHLO from this source (its PTR name); "" means
	// Config.HeloName.
	HeloName string
}

// Route sends a domain's mail to a fixed host:port instead of its MX.
type Route struct {
	Domain string // exact domain, or "*"
	Host   string // host:port; host may be a name (resolved with LookupHost) or an IP
}

// Config configures an Engine. Zero durations and limits take the defaults
// in brackets.
type Config struct {
	Store    Store
	Resolver Resolver
	// Dial, when set, opens TCP connections instead of a net.Dialer bound
	// to the job's source address (tests use it).
	Dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	Routes   []Route
	Port     int    // SMTP port for MX delivery [25]
	HeloName string // EHLO name (required)
	// DisableTLS turns off opportunistic STARTTLS.
	DisableTLS bool
	// PublicMXOnly refuses to connect to an MX host's address outside the
	// public unicast ranges (outbound.PublicAddr: loopback, RFC 1918,
	// link-local, shared, special-purpose): a domain is its owner's to
	// point anywhere, and an MX aimed at 127.0.0.1, 10.0.0.5 or
	// 169.254.169.254 would make sluice connect into its own host or
	// network and report what answered. Routes are the operator's and are
	// never checked. sluice serve sets it unless delivery.allow_private_mx.
	PublicMXOnly bool
	MaxInFlight  int // recipients claimed at once: the ready queues' entries budget [5000]
	// MaxReadyBytes bounds the estimated memory of the claimed recipients
	// held in the ready queues (ids, addresses, small state; never
	// bodies) [8 MiB]; see ready.go.
	MaxReadyBytes   int64
	MaxConnsPerDest int // connections per destination [20]
	// MaxPendingPerDomain caps the claimed, unsettled recipients of one
	// domain (its ready queue) in each scheduling class (queue.Class)
	// [10 × MaxConnsPerDest]: a slow destination's backlog waits in the
	// spool, due and untouched, not in memory ahead of everyone else's
	// mail, and a class's backlog never takes another class's room.
	MaxPendingPerDomain int
	MaxMsgsPerConn      int           // transactions per connection [100]
	MaxRcptsPerTxn      int           // RCPT TO per transaction [100]
	IdleTimeout         time.Duration // [10s]
	ConnectTimeout      time.Duration // [30s]
	CommandTimeout      time.Duration // [2m]
	DataTimeout         time.Duration // [10m]
	Retry               queue.RetryPolicy
	Now                 func() time.Time
	Logger              *slog.Logger
	// Sources and Pools: a message's pool (queue.Work.Pool, "" for
	// DefaultPool) names the sources it may leave from; each job picks the
	// next source of its pool in turn. With no sources configured there is
	// one, "default", bound by the OS.
	Sources     []Source
	Pools       map[string][]string
	DefaultPool string
	// Shaping, when set, governs connections, rate and backoff per
	// destination site (mta/shaping); nil: only the limits above.
	Shaping *shaping.Policy
	// Warmup, when set, holds the warm-up schedules of new sources: a
	// source on one sends each site (shaping rule) no more than today's
	// allowance; the rest goes from the other sources of its pool, or
	// waits in the spool for the next day (source.go). Needs Shaping.
	Warmup *shaping.Warmup
	// Blocklist, when set, marks the (source, site) pairs a receiver
	// refused for a blocklist or the IP's reputation: the site's mail
	// goes from the other sources of its pool until the mark's retry
	// time (source.go). Needs Shaping.
	Blocklist *shaping.Blocklist
	// SiteHeld, when set, says whether an operator suspended a site (by
	// its shaping name); its mail is deferred without dialling.
	SiteHeld func(site string) bool
	// ReturnPath, when set, gives the envelope sender for one recipient
	// (a VERP address naming the message and recipient). A non-empty
	// answer means one transaction per recipient, each with its own
	// sender; "" keeps the submitted sender and batches recipients.
	ReturnPath func(w *queue.Work, r queue.WorkRcpt) string
	// Suppressed, when set, is asked before each transaction: a recipient
	// suppressed after its message was queued (an unsubscribe, a bounce of
	// an earlier message) is not sent to; it fails with reason
	// "suppressed".
	Suppressed func(tenant, addr string, stream queue.Stream) (reason string, ok bool)
	// OnEvent receives every recipient outcome (after the spool recorded
	// it). It must not block for long.
	OnEvent func(Event)
	// TLSPolicy, when set, decides each delivery's transport security
	// (tls.go): MTA-STS, DANE, configured require/verify rules. Under an
	// enforced policy, mail is deferred rather than sent in clear or over
	// a rejected certificate, and MX hosts an MTA-STS policy does not list
	// are skipped. Nil: opportunistic TLS for everyone.
	TLSPolicy TLSPolicies
	// TLSStats receives each session's TLS outcome under a policy (for
	// metrics and TLS reports, RFC 8460); nil records nothing.
	TLSStats *tlspolicy.Stats
	// ConnOpened and ConnClosed track open outbound connections (metrics).
	ConnOpened, ConnClosed func()
	// ConnDropped, when set, is called when the engine closes a healthy
	// connection of its own accord, with the reason (metrics; one label
	// value so far: "slow", a connection much slower than the site's
	// others, see slow.go). ConnClosed is called for it too.
	ConnDropped func(reason string)

	// The engine's own timings, unexported: production always uses the
	// defaults in brackets; the package's tests shorten them instead of
	// sleeping them out.
	idleCheck time.Duration // pause after which a pooled connection is checked with RSET [1s]
	slotWait  time.Duration // wait of a worker refused a shaping connection slot for a TLS report [200ms]
	// slotFallback: the longest a destination refused a slot waits for
	// a signal (awaitSlot) [5s; 1s in a fleet]
	slotFallback time.Duration
	roomWait     time.Duration // the longest wait for room after a claim that left due mail of full domains [1s]
	slowFloor    time.Duration // least median transaction time that counts as slow [2s]
	slowBudget   time.Duration // a connection's median transaction time limit when the site has no others to compare with [30s]
	// shareQuantum: how long a shared connection carries one destination
	// before it moves on to another of its group that waits (share.go) [250ms]
	shareQuantum time.Duration
	// awaitHook, tests only: called by a destination's worker refused a
	// slot just before it goes to sleep (awaitSlot), to run what races it.
	awaitHook func(d *dest)
}

// Engine delivers due mail. Create with New, run with Run, stop with Stop.
type Engine struct {
	cfg Config
	log *slog.Logger
	// live holds what a config reload changes (reload.go).
	live live
	// share holds the site share groups: parked connections and the
	// destinations waiting for one (share.go).
	share sharing

	kick     chan struct{}
	inflight atomic.Int64 // recipients claimed and not yet completed
	// readyBytes estimates their memory (ready.go); released counts the
	// recipients settled so far, dueKick says Kick was called (new mail
	// may be due) since the scheduler last claimed.
	readyBytes atomic.Int64
	released   atomic.Int64
	dueKick    atomic.Bool
	// slotRefused counts the connection slots the shaping policy refused
	// (AcquireConn false): what a destination waiting for its site's
	// connection costs (tests and benchmarks read it).
	slotRefused atomic.Int64
	// slotFreed counts the slots given back (releaseSlot) and the
	// connections parked (park): a destination refused a slot sees
	// whether either happened before it waits, since the wake-up of one
	// that happened before it slept found nobody asleep; slotWakes
	// counts the waits that ended (a signal or the fallback).
	slotFreed atomic.Uint64
	slotWakes atomic.Int64

	workCtx    context.Context
	workCancel context.CancelFunc
	workers    sync.WaitGroup // connection workers
	completes  sync.WaitGroup // pending spool completions
	recs       recorder       // outcomes waiting for a completer (settle.go)
	bodies     bodies         // body buffers for reuse (body.go)

	mu      sync.Mutex
	dests   map[string]*dest
	pending map[pendKey]int // (domain, class) → claimed, unsettled recipients
	claims  uint64          // claims so far (the scheduler's), for the low-first turn

	sources map[string]*Source
	pools   map[string][]*Source
	rr      sync.Map // pool name → *atomic.Uint64, the round-robin position

	connIDs    atomic.Uint64 // numbers connections for logs and the slow-connection detector
	timesMu    sync.Mutex
	times      map[string]*siteTimes // site → recent transaction times (slow.go)
	timesSweep time.Time

	stopOnce sync.Once
	stopped  chan struct{} // closed to stop the scheduler
	started  atomic.Bool
	runDone  chan struct{}
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Resolver == nil {
		return nil, errors.New("delivery: store and resolver are required")
	}
	if cfg.HeloName == "" {
		return nil, errors.New("delivery: helo name is required")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Port, 25)
	def(&cfg.MaxInFlight, 5000)
	if cfg.MaxReadyBytes <= 0 {
		cfg.MaxReadyBytes = defaultReadyBytes
	}
	def(&cfg.MaxConnsPerDest, 20)
	def(&cfg.MaxPendingPerDomain, 10*cfg.MaxConnsPerDest)
	def(&cfg.MaxMsgsPerConn, 100)
	def(&cfg.MaxRcptsPerTxn, 100)
	defDur(&cfg.IdleTimeout, 10*time.Second)
	defDur(&cfg.ConnectTimeout, 30*time.Second)
	defDur(&cfg.CommandTimeout, 2*time.Minute)
	defDur(&cfg.DataTimeout, 10*time.Minute)
	defDur(&cfg.idleCheck, defaultIdleCheck)
	defDur(&cfg.slotWait, defaultSlotWait)
	defDur(&cfg.slotFallback, defaultSlotFallback)
	defDur(&cfg.roomWait, defaultRoomWait)
	defDur(&cfg.slowFloor, defaultSlowFloor)
	defDur(&cfg.slowBudget, defaultSlowBudget)
	defDur(&cfg.shareQuantum, defaultShareQuantum)
	if cfg.Retry == (queue.RetryPolicy{}) {
		cfg.Retry = queue.DefaultRetry
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Engine{
		cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1), dests: map[string]*dest{}, pending: map[pendKey]int{},
		times:   map[string]*siteTimes{},
		stopped: make(chan struct{}), runDone: make(chan struct{}),
	}
	if err := e.buildPools(); err != nil {
		return nil, err
	}
	e.workCtx, e.workCancel = context.WithCancel(context.Background())
	return e, nil
}

// Kick tells the scheduler that new mail may be due (a submission was
// queued, or capacity freed). It never blocks.
func (e *Engine) Kick() {
	e.dueKick.Store(true)
	e.kickOnly()
}

// kickOnly wakes the scheduler after capacity freed (a settlement).
func (e *Engine) kickOnly() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// InFlight returns the number of recipients being delivered now.
func (e *Engine) InFlight() int64 { return e.inflight.Load() }

// Run is the scheduler: it claims due recipients while there is capacity
// and sleeps until the next due time, a kick, or Stop. It returns when Stop
// is called or ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	if e.started.Swap(true) {
		return errors.New("delivery: Run called twice")
	}
	defer close(e.runDone)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		free := e.free()
		if free <= 0 {
			// The ready queues are full: the next settlement kicks.
			if !e.wait(ctx, timer, time.Second) {
				return nil
			}
			continue
		}
		var st queue.ClaimStats
		released := e.released.Load()
		e.dueKick.Store(false)
		e.claims++
		o := queue.ClaimOptions{Limit: free, MaxRcpts: e.cfg.MaxRcptsPerTxn, RoomClass: e.roomFor(e.roomSnapshot()),
			LowFirst: e.claims%queue.StarveEvery == 0, Stats: &st}
		works, err := e.cfg.Store.ClaimWith(ctx, o)
		if err != nil {
			e.log.Error("delivery: claim failed", "err", err)
		}
		claimed := 0
		for _, w := range works {
			claimed += len(w.Rcpts)
			e.inflight.Add(int64(len(w.Rcpts)))
			e.readyBytes.Add(workBytes(&w))
			e.dispatch(w)
		}
		var ok bool
		switch {
		case err != nil:
			ok = e.wait(ctx, timer, time.Second)
		case claimed > 0 && claimed >= free:
			// Full batch: more may be due; go again once capacity frees
			// (a completion kicks) rather than spinning.
			ok = e.wait(ctx, timer, time.Second)
		case st.Skipped > 0:
			// Due mail is waiting for its domain's room, in the spool and
			// untouched: claim again once enough of it settled.
			ok = e.waitRoom(ctx, timer, released)
		default:
			sleep := time.Minute
			if due, has := e.cfg.Store.NextDue(); has {
				sleep = due.Sub(e.cfg.Now())
			}
			ok = e.wait(ctx, timer, sleep)
		}
		if !ok {
			return nil
		}
	}
}

// wait sleeps up to d (at least 1 ms) or until a kick; false means stop.
func (e *Engine) wait(ctx context.Context, timer *time.Timer, d time.Duration) bool {
	if d < time.Millisecond {
		d = time.Millisecond
	}
	timer.Reset(d)
	select {
	case <-ctx.Done():
		return false
	case <-e.stopped:
		return false
	case <-e.kick:
	case <-timer.C:
	}
	if !timer.Stop() {
		select {
		case <-timer.C:
		default:
		}
	}
	return true
}

// Stop shuts delivery down in two phases: the scheduler stops claiming,
// transactions in progress get until ctx ends to finish, then the rest are
// cancelled (their recipients stay in flight in the spool and are retried
// after restart). It returns once every worker and completion is done.
func (e *Engine) Stop(ctx context.Context) {
	e.stopOnce.Do(func() { close(e.stopped) })
	if e.started.Load() {
		<-e.runDone // no dispatch (which starts workers) after this
	}
	done := make(chan struct{})
	go func() {
		e.workers.Wait()
		close(done)
	}()
	e.mu.Lock()
	for _, d := range e.dests {
		d.wakeAll()
	}
	e.mu.Unlock()
	e.closeAllParked()
	select {
	case <-done:
	case <-ctx.Done():
		e.workCancel()
		<-done
	}
	e.workCancel()
	e.completes.Wait()
}

func (e *Engine) stopping() bool {
	select {
	case <-e.stopped:
		return true
	default:
		return false
	}
}

// roomSnapshot copies the per-domain and class pending counts for one
// claim (the claim runs on the spool's writer and must see fixed values).
func (e *Engine) roomSnapshot() map[pendKey]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := make(map[pendKey]int, len(e.pending))
	for k, v := range e.pending {
		m[k] = v
	}
	return m
}

func (e *Engine) dispatch(w queue.Work) {
	src := e.pickSource(w.Pool)
	key := w.Domain + "\x00" + src.Name
	e.mu.Lock()
	e.pending[pendKey{w.Domain, w.Class}] += len(w.Rcpts)
	d, ok := e.dests[key]
	if !ok {
		d = newDest(e, w.Domain, src)
		e.dests[key] = d
	}
	e.mu.Unlock()
	d.add(&job{w: w})
}

// buildPools indexes the sources and pools, checking every name.
func (e *Engine) buildPools() error {
	e.sources = map[string]*Source{}
	e.pools = map[string][]*Source{}
	if len(e.cfg.Sources) == 0 {
		e.cfg.Sources = []Source{{Name: "default"}}
	}
	for i := range e.cfg.Sources {
		s := &e.cfg.Sources[i]
		if s.HeloName == "" {
			s.HeloName = e.cfg.HeloName
		}
		if _, dup := e.sources[s.Name]; dup || s.Name == "" {
			return fmt.Errorf("delivery: source %q: empty or duplicate name", s.Name)
		}
		e.sources[s.Name] = s
	}
	if len(e.cfg.Pools) == 0 {
		all := make([]string, len(e.cfg.Sources))
		for i, s := range e.cfg.Sources {
			all[i] = s.Name
		}
		e.cfg.Pools = map[string][]string{"default": all}
	}
	if e.cfg.DefaultPool == "" {
		e.cfg.DefaultPool = "default"
	}
	for name, members := range e.cfg.Pools {
		if len(members) == 0 {
			return fmt.Errorf("delivery: pool %q has no sources", name)
		}
		for _, m := range members {
			s, ok := e.sources[m]
			if !ok {
				return fmt.Errorf("delivery: pool %q: no source %q", name, m)
			}
			e.pools[name] = append(e.pools[name], s)
		}
	}
	if _, ok := e.pools[e.cfg.DefaultPool]; !ok {
		return fmt.Errorf("delivery: default pool %q does not exist", e.cfg.DefaultPool)
	}
	return nil
}

// pickSource returns the next source of pool (round robin); an unknown
// pool (a message queued before its pool was removed) uses the default.
func (e *Engine) pickSource(pool string) *Source {
	if pool == "" {
		pool = e.cfg.DefaultPool
	}
	srcs, ok := e.pools[pool]
	if !ok {
		pool, srcs = e.cfg.DefaultPool, e.pools[e.cfg.DefaultPool]
	}
	if len(srcs) == 1 {
		return srcs[0]
	}
	v, _ := e.rr.LoadOrStore(pool, new(atomic.Uint64))
	n := v.(*atomic.Uint64).Add(1)
	return srcs[n%uint64(len(srcs))]
}

// forget drops an idle destination so thousands of domains do not pile up.
func (e *Engine) forget(d *dest) {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := d.domain + "\x00" + d.src.Name
	if e.dests[key] == d && d.empty() {
		delete(e.dests, key)
		e.share.unwant(d.groupKey(), d)
	}
}

// routeFor returns the configured route for domain, if any.
func (e *Engine) routeFor(domain string) (string, bool) {
	wild := ""
	for _, r := range e.routes() {
		if r.Domain == "*" {
			if wild == "" {
				wild = r.Host
			}
			continue
		}
		if equalFold(r.Domain, domain) {
			return r.Host, true
		}
	}
	return wild, wild != ""
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
