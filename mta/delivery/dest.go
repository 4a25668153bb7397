package delivery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sluice/mta/outbound"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// job is one claimed Work waiting for a connection.
type job struct {
	w   queue.Work
	seq uint64 // arrival order at its destination (jobQueue)
	// The source choice's (source.go): the sources that said "not now"
	// to it, why it left the first one (Event.Rerouted), and what it
	// took from its source's warm-up allowance at rule.
	avoid   []string
	note    string
	charged int
	rule    string
}

// dest is one destination domain: its waiting jobs and the connection
// workers that serve them (at most MaxConnsPerDest).
type dest struct {
	e      *Engine
	domain string
	src    *Source

	mu     sync.Mutex
	queue  jobQueue      // highest class first (prio.go)
	conns  int           // running workers
	idle   int           // workers waiting for a job
	signal chan struct{} // wakes idle workers
	// pol is the domain's TLS policy, asked at polAt (tls.go); nil
	// without Config.TLSPolicy.
	pol   *tlspolicy.Policy
	polAt time.Time
	// tgts and group: where its worker last resolved it to go, and its
	// share group there (share.go); "" until resolved.
	tgts  []target
	group string
	// wakeup wakes its worker waiting for a connection at its site
	// (awaitSlot), which set sleeping; share.go's wake sends.
	wakeup   chan wakeReason
	sleeping atomic.Bool
	// woke is why its worker's last wait ended (a wakeReason, 0: none),
	// until its next round takes a job: a worker that finds none passes
	// the freed slot or parked connection on (work).
	woke atomic.Uint32
}

func newDest(e *Engine, domain string, src *Source) *dest {
	return &dest{e: e, domain: domain, src: src, signal: make(chan struct{}, e.cfg.MaxConnsPerDest), wakeup: make(chan wakeReason, 1)}
}

func (d *dest) empty() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conns == 0 && d.queue.len() == 0
}

// add queues j and wakes an idle worker, or starts one if every worker is
// busy and the destination's connection limit allows.
func (d *dest) add(j *job) {
	d.mu.Lock()
	d.queue.push(j)
	// A worker waiting for its site's connection (awaitSlot) takes the
	// new job once it has one: another would only be refused a slot.
	start := d.idle < d.queue.len() && d.conns < d.e.cfg.MaxConnsPerDest && !d.sleeping.Load()
	if start {
		d.conns++
		d.e.workers.Add(1)
	}
	idle := d.idle
	d.mu.Unlock()
	if idle > 0 {
		select {
		case d.signal <- struct{}{}:
		default:
		}
	}
	if start {
		go d.worker()
	}
}

func (d *dest) wakeAll() {
	for i := 0; i < cap(d.signal); i++ {
		select {
		case d.signal <- struct{}{}:
		default:
			return
		}
	}
}

// take returns the next job, waiting up to wait for one (0: do not wait):
// the highest class's first, with the anti-starvation turn (prio.go).
func (d *dest) take(wait time.Duration) *job {
	var timer *time.Timer
	for {
		d.mu.Lock()
		if j := d.queue.pop(); j != nil {
			d.mu.Unlock()
			return j
		}
		if wait <= 0 || d.e.stopping() {
			d.mu.Unlock()
			return nil
		}
		d.idle++
		d.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		var timedOut bool
		select {
		case <-d.signal:
		case <-timer.C:
			timedOut = true
		case <-d.e.workCtx.Done():
			timedOut = true
		}
		d.mu.Lock()
		d.idle--
		d.mu.Unlock()
		if timedOut {
			wait = 0 // one last look, then give up
		}
	}
}

// worker opens connections and delivers queued jobs over them until the
// queue is empty. With shaping, it asks the policy for a connection slot
// at the destination's site, waits for the rate before each transaction
// and reports every outcome back. A connection may move the worker to
// another destination of its site (share.go): the worker ends as a
// worker of the destination it was last serving.
func (d *dest) worker() {
	growStack()
	cur := d
	defer func() { cur.exit() }()
	for {
		next, more := cur.work()
		cur = next
		if !more {
			return
		}
	}
}

// work is one round of a worker: take a job, find or open a connection
// for it and serve it. It returns the destination the worker serves now
// and whether it goes on.
func (d *dest) work() (*dest, bool) {
	e := d.e
	j := d.take(0)
	woke := wakeReason(d.woke.Swap(0))
	if j == nil {
		// A connection took d's mail while this worker woke: what it
		// was woken for would otherwise wait for the fallback or the
		// idle timeout.
		if woke == wakeSlot || woke == wakeParked {
			e.wakeWaiter(d.groupKey(), woke)
		}
		return d, false
	}
	targets, err := d.targets(e.workCtx)
	if err != nil {
		// DNS says the same to every job waiting here.
		d.failConnect(j, err, 0)
		return d, false
	}
	k, shaped := d.shapingKey(targets)
	if shaped && e.cfg.SiteHeld != nil && e.cfg.SiteHeld(k.Site.Name()) {
		d.failConnect(j, errSiteHeld, 0)
		return d, false
	}
	if j = d.admit(j, k, shaped); j == nil {
		return d, true // warm-up spent or blocklisted here: moved or deferred
	}
	exempt := tlsExempt(&j.w)
	if !exempt {
		site := ""
		if shaped {
			site = k.Site.Name()
		}
		d.setSite(targets, site)
		d.domainPolicy(e.workCtx, false) // asked now: fit reads it
		if c := d.adopt(); c != nil {
			return d.serve(c, j), true
		}
	}
	if shaped {
		next, c := d.acquireSlot(j, k)
		switch next {
		case nextJob:
			return d, true
		case exitWorker:
			return d, false
		case adopted:
			return d.serve(c, j), true
		}
	}
	c, err := d.connect(targets, exempt)
	if err != nil {
		return d, d.connectFailed(j, k, shaped, err) == nextJob
	}
	c.key, c.shaped = k, shaped
	if !exempt {
		c.group = d.groupKey()
	}
	d.carry(c, d.seedFit(c))
	return d.serve(c, j), true
}

// workerNext is what a worker does after one of its steps with a job.
type workerNext uint8

const (
	goOn       workerNext = iota // go on with the job
	nextJob                      // the job is settled or requeued: take the next
	exitWorker                   // the job is settled or requeued: exit
	adopted                      // the worker adopted a parked connection for the job
)

// exit ends a worker (deferred by worker). Leaving and checking the
// queue happen under one lock: a job added while this worker was
// deciding to go (when add saw the connection limit reached) must not
// be left without a worker, so one is started in its place.
func (d *dest) exit() {
	e := d.e
	d.mu.Lock()
	d.conns--
	again := d.queue.len() > 0 && d.conns == 0 && !e.stopping()
	if again {
		d.conns++
		e.workers.Add(1) // before Done: the group never reaches zero here
	}
	d.mu.Unlock()
	e.workers.Done()
	if again {
		go d.worker()
		return
	}
	e.forget(d)
}

// acquireSlot takes a connection slot at shaped site k for j: goOn when
// it holds one. Refused one, the destination waits in its share group
// for a connection (share.go): a connection parked meanwhile is taken
// (adopted, with it), one it may not use is closed to free its slot. A
// suspended site fails j and every job waiting here (exitWorker); a site
// at its connection limit requeues j for a running worker of this
// destination (exitWorker) or for this one once a connection may be had
// (awaitSlot: nextJob).
func (d *dest) acquireSlot(j *job, k shaping.Key) (workerNext, *conn) {
	e := d.e
	lim := e.cfg.Shaping.Limits(k)
	if until := lim.SuspendedUntil; until.After(e.cfg.Now()) {
		d.failConnect(j, &errSuspended{until: until}, 0)
		return exitWorker, nil
	}
	epoch := e.slotFreed.Load()
	if e.cfg.Shaping.AcquireConn(k) {
		return goOn, nil
	}
	e.slotRefused.Add(1)
	// The site has all the connections it may have (perhaps for other
	// domains).
	exempt := tlsExempt(&j.w)
	if !exempt {
		d.want()
		if c := d.adopt(); c != nil {
			e.share.unwant(d.groupKey(), d)
			return adopted, c
		}
		e.evictParked(d.groupKey())
	}
	// Leave the job to a running worker of this destination, or wait
	// for a connection.
	d.requeue(j)
	if d.othersActive() {
		return exitWorker, nil
	}
	if exempt {
		// A TLS report's job is on no want list: it asks again.
		if !d.sleep(e.cfg.slotWait) {
			return exitWorker, nil
		}
		return nextJob, nil
	}
	return d.awaitSlot(epoch), nil
}

// awaitSlot waits, on its group's want list, for what may give d's
// worker a connection: a slot of its site given back, a connection
// parked in its group (both wake the first destination waiting), or a
// connection of its group that took d's mail (handOff: this worker is
// not needed). Slots leased in the fleet, and limits raised by the
// policy, free without a signal here: after slotFallback it asks again
// anyway. epoch is e.slotFreed when the slot was refused: a slot given
// back since then is asked for at once. nextJob: ask again; exitWorker:
// another worker serves d, or the engine stops.
func (d *dest) awaitSlot(epoch uint64) workerNext {
	e := d.e
	key := d.groupKey()
	if e.cfg.awaitHook != nil {
		e.cfg.awaitHook(d)
	}
	d.sleeping.Store(true)
	if e.slotFreed.Load() != epoch || !e.share.wants(key, d) {
		// A slot came back or a connection was parked before this
		// worker slept, or a connection took d's mail (handOff takes d
		// off the list, then wakes). A wake-up sent meanwhile keeps its
		// reason, passed on if this worker ends.
		d.sleeping.Store(false)
		why := d.drainWakeup()
		if e.stopping() {
			// Asking again would spin: a stopping engine frees no slot
			// for this worker, and its job stays in flight in the spool.
			return exitWorker
		}
		return d.afterWait(key, why)
	}
	t := time.NewTimer(e.slotFallback())
	defer t.Stop()
	var why wakeReason
	select {
	case why = <-d.wakeup:
	case <-t.C:
	case <-e.stopped:
	case <-e.workCtx.Done():
	}
	d.sleeping.Store(false)
	if late := d.drainWakeup(); why == 0 {
		why = late // the fallback ran out as a wake-up came
	}
	if e.stopping() {
		return exitWorker
	}
	e.slotWakes.Add(1)
	return d.afterWait(key, why)
}

// afterWait: a worker that waited ends when another worker of d runs
// (a connection handed to d), passing on a freed slot or a parked
// connection it was woken for: else nobody would look at them until
// the fallback or the idle timeout. A worker that goes on remembers
// why it woke (d.woke) for its next round.
func (d *dest) afterWait(key string, why wakeReason) workerNext {
	if d.othersActive() {
		if why == wakeSlot || why == wakeParked {
			d.e.wakeWaiter(key, why)
		}
		return exitWorker
	}
	if why == wakeSlot || why == wakeParked {
		d.woke.Store(uint32(why))
	}
	return nextJob
}

// drainWakeup takes a wake-up that came after the wait ended and
// returns its reason (0: none).
func (d *dest) drainWakeup() wakeReason {
	select {
	case why := <-d.wakeup:
		return why
	default:
		return 0
	}
}

// slotFallback is how long a destination waits for a signal before it
// asks for a slot again: shorter in a fleet, whose other nodes free
// leased slots without telling this one.
func (e *Engine) slotFallback() time.Duration {
	if e.cfg.Shaping.IsShared() {
		return min(e.cfg.slotFallback, fleetSlotFallback)
	}
	return e.cfg.slotFallback
}

// releaseSlot gives k's connection slot back and wakes a destination of
// its group waiting for one.
func (e *Engine) releaseSlot(k shaping.Key) {
	e.cfg.Shaping.ReleaseConn(k)
	e.slotFreed.Add(1)
	e.wakeWaiter(groupKey(k.Source, k.Site.Name(), nil), wakeSlot)
}

// connectFailed settles j after connect failed with err, giving back the
// slot it held when shaped: nextJob or exitWorker.
func (d *dest) connectFailed(j *job, k shaping.Key, shaped bool, err error) workerNext {
	e := d.e
	if isPolicyFailure(err) {
		// Our own TLS policy refused every host: no throttle, no
		// connection failure for shaping; the mail waits for the
		// receiver to mend its TLS (the queue's retry delay). TLS
		// reports stay queued for a connection without it (tls.go).
		if shaped {
			e.releaseSlot(k)
		}
		if d.failPolicy(j, err) {
			return nextJob
		}
		return exitWorker
	}
	if shaped {
		e.releaseSlot(k)
		e.cfg.Shaping.Observe(k, shaping.Classify(err), err.Error())
	}
	if shaped && d.divertConn(j, k, err) {
		return exitWorker // refused for a blocklist: the queue moved to a peer
	}
	if shaped && d.othersActive() {
		// A refused connection while others are open is the site
		// saying "enough": the queued mail waits for those.
		d.requeue(j)
		return exitWorker
	}
	// Every job waiting here would meet the same failure now; a
	// throttle is observed once (above), not once per message.
	d.failConnect(j, err, d.throttleWait(k, shaped, []rcptOutcome{{err: err}}))
	return exitWorker
}

// defaultIdleCheck is how long a connection may wait between messages
// before the next one is preceded by an RSET round trip to check it still
// answers (Config.idleCheck). Back to back (a busy destination) that
// round trip would cost every message a round trip of latency for nothing.
const defaultIdleCheck = time.Second

// defaultSlotWait is how long a worker with no connection slot for a
// TLS report's job (on no want list) waits before asking again
// (Config.slotWait).
const defaultSlotWait = 200 * time.Millisecond

// defaultSlotFallback is the longest a destination waiting for its
// site's connection waits for a signal before it asks for a slot again
// (Config.slotFallback); fleetSlotFallback when slots are leased from
// the fleet. Signals bring it sooner (awaitSlot).
const (
	defaultSlotFallback = 5 * time.Second
	fleetSlotFallback   = time.Second
)

// defaultRoomWait is the longest the scheduler waits for room after a
// claim that left due mail of domains holding MaxPendingPerDomain
// recipients already (Config.roomWait): settlements and new mail wake it
// sooner.
const defaultRoomWait = time.Second

// othersActive reports whether another worker of this destination runs.
func (d *dest) othersActive() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conns > 1
}

// sleep waits d or until the engine stops; false means it stopped.
func (d *dest) sleep(wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return !d.e.stopping()
	case <-d.e.stopped:
		return false
	case <-d.e.workCtx.Done():
		return false
	}
}

// serve delivers j and then whatever else is queued over c, up to the
// messages-per-connection limit, and closes or parks c (share.go). It
// closes c sooner when the server closed it (421, a drop) or when c
// turned out much slower than the site's other connections (slow.go):
// the mail not yet sent stays queued for the site's other connections or
// a new one. c may carry other destinations of its site meanwhile; serve
// returns the destination the worker serves at the end.
func (d *dest) serve(c *conn, j *job) *dest {
	e := d.e
	sh := e.cfg.Shaping
	k, shaped := c.key, c.shaped
	parked, released := false, false
	defer func() {
		if parked {
			return
		}
		c.close(e)
		if shaped && !released {
			e.releaseSlot(k)
		}
	}()
	for {
		c.n++
		maxMsgs := e.cfg.MaxMsgsPerConn
		if shaped {
			if c.n > 1 && sh.ShedConn(k) {
				// Backoff cut the site's connections: this one goes.
				released = true
				d.requeue(j)
				return d
			}
			if wait := sh.Reserve(k, d.transactions(j)); wait > 0 && !d.sleep(wait) {
				d.requeue(j)
				return d
			}
			maxMsgs = sh.Limits(k).MaxMessagesPerConn
		}
		// Back to back, the next transaction goes out at once: a server
		// that closed the connection meanwhile (or says 421 first) leaves
		// it unanswered, and deliver requeues j. After a pause, counted
		// up to now (rate waits and time parked included), RSET checks
		// first, which also catches a server that said 421 when its idle
		// timer ran out. The pause is read on the engine's clock, so
		// tests drive it.
		if c.n > 1 && e.cfg.Now().Sub(c.lastDone) > e.cfg.idleCheck {
			if err := c.client.Reset(e.workCtx); err != nil {
				// The connection broke between messages: put j back; the
				// worker reconnects for it.
				d.requeue(j)
				return d
			}
		}
		if d.deliver(c, j, c.n > 1) {
			// The server closed the connection, or c is slow: what was
			// not sent is back in the queue, for another connection.
			return d
		}
		c.onDest++
		// A reload since c was opened (reload.go) ends it between
		// messages: routes or TLS rules changed, dial afresh.
		if !c.client.Usable() || c.drop != "" || c.n >= maxMsgs || c.exempt || e.live.gen.Load() != c.gen {
			return d
		}
		c.lastDone = e.cfg.Now()
		d, j, parked = d.next(c)
		if j == nil {
			return d
		}
	}
}

func (d *dest) requeue(j *job) {
	d.mu.Lock()
	d.queue.pushFront(j)
	d.mu.Unlock()
}

// conn is an open, greeted connection to one MX.
type conn struct {
	client *outbound.Client
	mx     string
	id     uint64            // the engine's number for it, for logs ("cid")
	pol    *tlspolicy.Policy // its TLS policy; nil without Config.TLSPolicy
	// exempt: opened without the TLS policy for one TLS report; it
	// carries nothing else (tls.go, FlagTLSReport).
	exempt bool
	port   string        // the target's port (mx is its host)
	gen    uint64        // the engine's reload generation when opened
	ips    tlspolicy.IPs // its two ends, for TLS reports
	// verified and policyErr are the session's verdict under pol, for
	// the destination it carries now (share.go's fit).
	verified  bool
	policyErr error

	// The shaping key its transactions are observed at, and its share
	// group ("" : never shared).
	key    shaping.Key
	shaped bool
	group  string

	// n counts its transactions, lastDone is when the last one ended
	// (the engine's clock), onDest and destSince count those for the
	// destination it carries now (real time).
	n         int
	lastDone  time.Time
	onDest    int
	destSince time.Time
	// fits caches share.go's TLS verdicts per domain policy.
	fitMu sync.Mutex
	fits  map[*tlspolicy.Policy]connFit

	// The slow-connection detector's (slow.go): the site's transaction
	// times, this connection's last connTxns and how many it ran, and why
	// it is to be closed after its transaction ("" keeps it).
	times *siteTimes
	took  [connTxns]time.Duration
	txns  int
	drop  string
}

func (c *conn) close(e *Engine) {
	// RFC 5321 §4.1.1.10: send QUIT, and wait for its reply. A slow
	// connection gets QUIT but only a moment for the reply: a tarpit
	// would hold this worker, and the mail waiting for it, for the 221 too.
	wait := 5 * time.Second
	if c.drop != "" {
		wait = slowQuitWait
	}
	ctx, cancel := context.WithTimeout(e.workCtx, wait)
	_ = c.client.Quit(ctx)
	cancel()
	_ = c.client.Close()
	if f := e.cfg.ConnClosed; f != nil {
		f()
	}
}

// target is one host to try, with the port to use.
type target struct {
	host  string
	port  string
	route bool // the operator's route, not an MX host from the DNS
}

// connect tries the destination's targets in order (a route, or the MX
// hosts by preference, each of its addresses) and returns the first that
// greets and completes EHLO (and STARTTLS when offered, or as the TLS
// policy requires). A connection failure, a 4xx greeting or a refusal by
// the TLS policy moves on to the next (RFC 5321 §5.1; RFC 8461 §4.1 skips
// MX hosts an MTA-STS policy does not list). The error is the last
// failure's; a *policyError when the policy refused the last host.
//
// exempt connects for a TLS report (FlagTLSReport): without any policy.
func (d *dest) connect(targets []target, exempt bool) (*conn, error) {
	e := d.e
	ctx := e.workCtx
	var lastErr, nonPublic error
	tries := 0
	dom := d.domainPolicy(ctx, exempt)
	for _, t := range targets {
		hp, err := d.hostPolicy(ctx, dom, t.host)
		if err != nil {
			lastErr = err
			continue
		}
		addrs, err := d.addrs(ctx, t)
		if err != nil {
			var oe *outbound.Error
			if errors.As(err, &oe) {
				// Only non-public addresses: permanent only if every
				// host is so; any other failure (a primary down) wins.
				nonPublic = err
				continue
			}
			lastErr = &outbound.Error{Command: "connect", Line: "resolve " + t.host, Err: err}
			continue
		}
		for _, a := range addrs {
			if tries >= 10 {
				break
			}
			tries++
			c, err := d.dial(ctx, t.host, net.JoinHostPort(a, t.port), hp)
			if err == nil {
				c.exempt = exempt && e.cfg.TLSPolicy != nil
				c.port = t.port
				return c, nil
			}
			lastErr = err
			if ctx.Err() != nil {
				return nil, lastErr
			}
		}
	}
	if lastErr == nil {
		lastErr = nonPublic
	}
	if lastErr == nil {
		lastErr = &outbound.Error{Command: "connect", Err: errors.New("no address to connect to")}
	}
	return nil, lastErr
}

func (d *dest) targets(ctx context.Context) ([]target, error) {
	e := d.e
	if hp, ok := e.routeFor(d.domain); ok {
		host, port, err := net.SplitHostPort(hp)
		if err != nil {
			return nil, &outbound.Error{Permanent: true, Command: "connect", Line: "bad route " + hp, Err: err}
		}
		return []target{{host, port, true}}, nil
	}
	hosts, err := e.cfg.Resolver.LookupMX(ctx, d.domain)
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(e.cfg.Port)
	ts := make([]target, len(hosts))
	for i, h := range hosts {
		ts[i] = target{h.Name, port, false}
	}
	return ts, nil
}

// addrs returns the addresses to try for t. With Config.PublicMXOnly an
// MX host's non-public addresses are left out, and a host with only those
// is a permanent failure (RFC 5321 §5.1 leaves unusable addresses to the
// client; Postfix bounces mail whose MX "loops back to myself").
func (d *dest) addrs(ctx context.Context, t target) ([]string, error) {
	ips, err := d.e.cfg.Resolver.LookupHost(ctx, t.host)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ips))
	var refused []string
	for _, ip := range ips {
		if d.e.cfg.PublicMXOnly && !t.route && !outbound.PublicAddr(ip) {
			refused = append(refused, ip.String())
			continue
		}
		out = append(out, ip.String())
	}
	if len(out) == 0 && len(refused) > 0 {
		d.e.log.Warn("delivery: MX host resolves only to non-public addresses", "mx", t.host,
			"rcpt_domain", d.domain, "addrs", strings.Join(refused, ","))
		return nil, &outbound.Error{Permanent: true, Command: "connect",
			Err: fmt.Errorf("MX host %s resolves only to non-public addresses (%s)", t.host, strings.Join(refused, ", "))}
	}
	return out, nil
}

// dial connects to host at addr under hp, the host's TLS policy (nil:
// opportunistic TLS).
func (d *dest) dial(ctx context.Context, host, addr string, hp *tlspolicy.Policy) (*conn, error) {
	c, err := d.dialOnce(ctx, host, addr, d.e.cfg.DisableTLS, hp)
	var oe *outbound.Error
	enforced := hp != nil && hp.Enforced()
	if err != nil && !enforced && !d.e.cfg.DisableTLS && errors.As(err, &oe) && oe.Command == "STARTTLS" && ctx.Err() == nil {
		// Opportunistic TLS (RFC 7435), or an MTA-STS policy in testing
		// mode (RFC 8461 §5: reported, delivered): a failed handshake
		// must not stop delivery; try once more in plaintext, as Postfix
		// does at its "may" level. Never under an enforced policy: that
		// is the downgrade the policy exists to refuse.
		d.e.log.Warn("delivery: STARTTLS failed, retrying without TLS", "mx", host, "rcpt_domain", d.domain, "err", err)
		return d.dialOnce(ctx, host, addr, true, hp)
	}
	return c, err
}

func (d *dest) dialOnce(ctx context.Context, host, addr string, noTLS bool, hp *tlspolicy.Policy) (*conn, error) {
	e := d.e
	dctx, cancel := context.WithTimeout(ctx, e.cfg.ConnectTimeout)
	var nc net.Conn
	var err error
	if e.cfg.Dial != nil {
		nc, err = e.cfg.Dial(dctx, "tcp", addr)
	} else {
		dialer := net.Dialer{}
		if d.src.Addr.IsValid() {
			dialer.LocalAddr = &net.TCPAddr{IP: d.src.Addr.AsSlice()}
		}
		nc, err = dialer.DialContext(dctx, "tcp", addr)
	}
	cancel()
	if err != nil {
		return nil, &outbound.Error{Command: "connect", Line: addr, Err: err}
	}
	opts := outbound.Options{
		HelloName:       d.src.HeloName,
		DisableTLS:      noTLS,
		GreetingTimeout: e.cfg.CommandTimeout,
		CommandTimeout:  e.cfg.CommandTimeout,
		DataTimeout:     e.cfg.DataTimeout,
	}
	if hp != nil {
		opts.TLSPolicy = hp.Outbound() // nil for opportunistic
	}
	client, err := outbound.Handshake(ctx, nc, host, opts)
	d.recordTLS(hp, host, nc, client, err)
	if err != nil {
		nc.Close()
		if hp != nil && hp.Enforced() && tlspolicy.Classify(err) != tlspolicy.ResultSuccess {
			e.log.Warn("delivery: TLS policy refused the session", "mx", host, "rcpt_domain", d.domain,
				"tls_policy", hp.Name(), "err", err)
			return nil, &policyError{policy: hp, err: err}
		}
		return nil, err
	}
	if f := e.cfg.ConnOpened; f != nil {
		f()
	}
	return &conn{client: client, mx: host, id: e.connIDs.Add(1), pol: hp, gen: e.live.gen.Load(),
		ips: tlspolicy.ConnIPs(nc.RemoteAddr(), nc.LocalAddr()), verified: client.TLSVerified(),
		policyErr: client.TLSPolicyErr()}, nil
}

// failConnect settles j and every job queued behind it with a connection
// or resolution failure; floor is throttleWait's.
func (d *dest) failConnect(j *job, err error, floor time.Duration) {
	jobs := []*job{j}
	d.mu.Lock()
	jobs = append(jobs, d.queue.drain()...)
	d.mu.Unlock()
	for _, j := range jobs {
		d.e.uncharge(d.src, j) // not sent: the warm-up allowance gets it back
		outs := make([]rcptOutcome, len(j.w.Rcpts))
		for i := range outs {
			outs[i] = rcptOutcome{err: err}
		}
		d.e.settle(j, outs, attempt{source: d.src.Name, throttleWait: floor})
	}
}
