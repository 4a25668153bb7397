package delivery

import (
	"crypto/tls"
	"slices"
	"strings"
	"sync"
	"time"

	"sluice/mta/tlspolicy"
)

// Connection sharing across the destinations of one site. Hosting
// providers put thousands of customer domains behind the same MX hosts
// (Google Workspace, Microsoft 365, every big hoster). Destinations are
// per (domain, source), so without sharing each domain opened its own
// connections, sent its few messages and closed or idled, paying
// connect, EHLO and STARTTLS per domain: 1,000 domains behind one MX
// drained at ~700 msgs/s against ~5,000/s for one domain. KumoMTA keeps
// ready queues per (egress source, site) where the site is the MX host
// set; Postfix reuses cached connections by next-hop address. Here a
// connection belongs to a share group, the (source, site) it was opened
// for (the shaping site's name when shaped: a rule's name or the sorted
// MX host set; unshaped, the sorted host:port targets), and moves between
// the destinations of its group:
//
//   - a connection whose destination has no more mail takes the due mail
//     of a destination of its group that waits for a connection (the
//     group's want list, joined by destinations refused a connection
//     slot), else it is parked in the group for the idle timeout
//     (sharedIdle in a fleet);
//   - a destination with mail and no connection adopts a parked
//     connection of its group before it asks for a slot and dials;
//   - head-of-line: a connection that has carried one destination for
//     a quantum (250 ms, Config.shareQuantum) or shareQuantumTxns
//     transactions moves on when another destination of the group
//     waits, so one slow or huge domain cannot
//     hold the site's connections while the others wait, and a
//     connection that no waiting destination may use (TLS policy) is
//     closed rather than parked once one of them has waited shareYield,
//     and a refused destination evicts a parked connection it cannot
//     use, so its own connection gets the slot.
//
// Only connections from the same source move (same local address, same
// EHLO name), and only to a destination whose targets include the
// connection's host and port. The connection's TLS session must satisfy
// the receiving domain's own policy (fit): MTA-STS, DANE and verify
// policies are per recipient domain, so the domain's host policy is
// asked for the connection's MX host (an MTA-STS policy that does not
// list the host refuses it), and its verifier is run on the session's
// own certificate chain and version, exactly what a new handshake to that
// host would check; a policy that the session does not satisfy dials a
// connection of its own, so no policy is weakened. Opportunistic domains
// take any. A TLS report's connection (FlagTLSReport) is never shared.
//
// Shaping holds as before: a connection keeps the one slot of its key
// (the same for every destination of its group), every transaction is
// reserved and observed at that key, warm-up allowances are charged by
// the destination whose mail it carries (admit), messages per connection
// count across destinations, and a destination never has more than
// MaxConnsPerDest connections, adopted ones included.

// Share timings. Real time: they pace sockets, not the schedule.
const (
	// defaultShareQuantum (Config.shareQuantum) and shareQuantumTxns:
	// how long, and how many transactions, a connection carries one
	// destination before it moves on to a destination of its group that
	// waits.
	defaultShareQuantum = 250 * time.Millisecond
	shareQuantumTxns    = 50
	// shareYield: how long a waiting destination that may not use a
	// connection (its TLS policy) waits before that connection, with
	// nothing else to carry, closes to give it the slot.
	shareYield = time.Second
	// shareScan bounds how many waiting destinations one look at the
	// want list judges.
	shareScan = 8
	// maxFits bounds a connection's cache of TLS verdicts.
	maxFits = 4096
)

// sharing holds the share groups of an engine.
type sharing struct {
	mu     sync.Mutex
	closed bool // Stop: nothing is parked any more
	groups map[string]*shareGroup
}

// shareGroup is one (source, site): its parked connections (oldest
// first) and the destinations waiting for a connection (first come
// first served).
type shareGroup struct {
	parked []*parkedConn
	want   []wanter
	wants  map[*dest]struct{}
}

type wanter struct {
	d     *dest
	since time.Time
}

// parkedConn is an idle connection waiting in its group.
type parkedConn struct {
	c     *conn
	timer *time.Timer
}

func (g *shareGroup) empty() bool { return len(g.parked) == 0 && len(g.want) == 0 }

// group returns the group named key, created if need be; s.mu held.
func (s *sharing) group(key string) *shareGroup {
	if s.groups == nil {
		s.groups = map[string]*shareGroup{}
	}
	g := s.groups[key]
	if g == nil {
		g = &shareGroup{wants: map[*dest]struct{}{}}
		s.groups[key] = g
	}
	return g
}

// gc drops group key if it holds nothing; s.mu held.
func (s *sharing) gc(key string) {
	if g := s.groups[key]; g != nil && g.empty() {
		delete(s.groups, key)
	}
}

// groupKey names the share group of a destination of source src with
// the given targets: the shaping site when shaped (site != ""), else the
// sorted targets. A route's destinations (the operator's host) and MX
// destinations (a domain owner's DNS) never share: a domain whose MX names
// a routed host must not ride the route's connection to a host it could
// not dial itself (Config.PublicMXOnly).
func groupKey(src, site string, targets []target) string {
	kind := "\x00mx\x00"
	if len(targets) > 0 && targets[0].route {
		kind = "\x00route\x00"
	}
	if site != "" {
		return src + kind + "site\x00" + site
	}
	hs := make([]string, len(targets))
	for i, t := range targets {
		hs[i] = strings.ToLower(strings.TrimSuffix(t.host, ".")) + ":" + t.port
	}
	slices.Sort(hs)
	return src + kind + "hosts\x00" + strings.Join(hs, ",")
}

// setSite records what d's worker resolved: its targets and share group.
func (d *dest) setSite(targets []target, site string) {
	key := groupKey(d.src.Name, site, targets)
	d.mu.Lock()
	d.tgts, d.group = targets, key
	d.mu.Unlock()
}

func (d *dest) groupKey() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.group
}

// reaches reports whether c's host and port are among d's targets.
func (d *dest) reaches(c *conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.tgts {
		if t.port == c.port && strings.EqualFold(strings.TrimSuffix(t.host, "."), strings.TrimSuffix(c.mx, ".")) {
			return true
		}
	}
	return false
}

// connFit is whether a connection may carry a destination's mail, and
// under which TLS policy: the policy, whether the session's certificate
// satisfied its verification, and the failure a non-enforcing policy
// (MTA-STS testing) keeps for reports.
type connFit struct {
	ok        bool
	pol       *tlspolicy.Policy
	verified  bool
	policyErr error
	recorded  bool // counted in Config.TLSStats for this domain
}

// fit says whether c may carry d's mail now (see the package comment
// above): never a TLS report's connection, only to d's targets, and
// under d's TLS policy for c's host, checked against c's session.
// Verdicts are cached per connection and domain policy (a destination
// asks its policy again every tlsPolicyRefresh, which gives a new one).
func (d *dest) fit(c *conn) connFit {
	if c.exempt || c.gen != d.e.live.gen.Load() || !d.reaches(c) {
		return connFit{}
	}
	if d.e.cfg.TLSPolicy == nil {
		return connFit{ok: true}
	}
	dom, ok := d.cachedPolicy()
	if !ok {
		return connFit{} // not asked yet: its own worker asks before it waits
	}
	c.fitMu.Lock()
	f, hit := c.fits[dom]
	c.fitMu.Unlock()
	if hit {
		return f
	}
	f = d.judgeFit(c, dom)
	c.fitMu.Lock()
	if c.fits == nil || len(c.fits) >= maxFits {
		c.fits = map[*tlspolicy.Policy]connFit{}
	}
	c.fits[dom] = f
	c.fitMu.Unlock()
	return f
}

// judgeFit is fit's verdict for domain policy dom, uncached.
func (d *dest) judgeFit(c *conn, dom *tlspolicy.Policy) connFit {
	hp, err := d.e.cfg.TLSPolicy.ForHost(d.e.workCtx, dom, c.mx)
	if err != nil || !hp.AllowsMX(c.mx) {
		return connFit{} // its own connection attempt records why
	}
	if hp.Mode == tlspolicy.ModeOpportunistic {
		return connFit{ok: true, pol: hp}
	}
	o := hp.Outbound()
	used, st := c.client.TLS()
	if o == nil || !used || st.Version < max(o.MinVersion, tls.VersionTLS10) {
		// Even under MTA-STS testing: a connection of its own gets the
		// failure recorded and reported as it should be.
		return connFit{}
	}
	f := connFit{ok: true, pol: hp}
	if o.Verify != nil {
		if err := o.Verify(c.mx, st); err != nil {
			if o.Enforce {
				return connFit{}
			}
			f.policyErr = err
		} else {
			f.verified = true
		}
	}
	return f
}

// carry makes c carry d's mail from now on: its TLS policy, verdict and
// reported failure are d's (fit's f), the slow-connection detector
// starts afresh on it for d, and the session counts once in d's TLS
// statistics (RFC 8460 counts sessions per policy domain).
func (d *dest) carry(c *conn, f connFit) {
	c.pol, c.verified, c.policyErr = f.pol, f.verified, f.policyErr
	c.onDest, c.destSince = 0, time.Now()
	c.txns = 0
	switch {
	case !c.shaped:
		c.times = d.e.timesFor("dest\x00" + d.domain + "\x00" + d.src.Name)
	case c.times == nil:
		c.times = d.e.timesFor("site\x00" + c.key.Site.Name() + "\x00" + c.key.Source)
	}
	if f.pol == nil || f.recorded || d.e.cfg.TLSStats == nil {
		return
	}
	dom, _ := d.cachedPolicy()
	c.fitMu.Lock()
	if g, ok := c.fits[dom]; ok {
		g.recorded = true
		c.fits[dom] = g
	}
	c.fitMu.Unlock()
	d.e.cfg.TLSStats.Record(f.pol, c.mx, c.ips, f.policyErr)
}

// seedFit records c's own verdict for d, the destination it was dialled
// for: counted already (dialOnce recorded the session).
func (d *dest) seedFit(c *conn) connFit {
	f := connFit{ok: true, pol: c.pol, verified: c.verified, policyErr: c.policyErr, recorded: true}
	if dom, ok := d.cachedPolicy(); ok && dom != nil {
		c.fitMu.Lock()
		c.fits = map[*tlspolicy.Policy]connFit{dom: f}
		c.fitMu.Unlock()
	}
	return f
}

// park puts c, idle, in its group for the idle timeout (sharedIdle when
// its slot is leased from the fleet); false when it cannot (the engine
// stops, or c has no group): the caller closes it. A parked connection
// counts as a worker until it is closed or adopted, so Stop waits for
// its QUIT.
func (e *Engine) park(c *conn) bool {
	if c.group == "" || c.exempt {
		return false
	}
	idle := e.cfg.IdleTimeout
	if c.shaped && e.cfg.Shaping.IsShared() {
		idle = min(idle, sharedIdle)
	}
	p := &parkedConn{c: c}
	s := &e.share
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || e.stopping() {
		return false
	}
	g := s.group(c.group)
	g.parked = append(g.parked, p)
	e.workers.Add(1)
	p.timer = time.AfterFunc(idle, func() { e.unpark(p) })
	// A waiting destination handOff passed over (its TLS policy, or at
	// its connection limit) looks again: it adopts it or evicts it. One
	// between its look at the parked connections and its sleep is not
	// asleep yet: it sees the epoch move (awaitSlot) and looks again.
	e.slotFreed.Add(1)
	g.wake(wakeParked)
	return true
}

// unpark closes p if it is still parked (its idle timeout ran out, or
// it was evicted).
func (e *Engine) unpark(p *parkedConn) {
	s := &e.share
	s.mu.Lock()
	ok := s.remove(p)
	s.mu.Unlock()
	if ok {
		e.closeParked(p)
	}
}

// remove takes p out of its group; false if it was not there. s.mu held.
func (s *sharing) remove(p *parkedConn) bool {
	g := s.groups[p.c.group]
	if g == nil {
		return false
	}
	i := slices.Index(g.parked, p)
	if i < 0 {
		return false
	}
	g.parked = slices.Delete(g.parked, i, i+1)
	s.gc(p.c.group)
	return true
}

// closeParked closes a connection taken out of its group, gives its
// slot back and ends its count as a worker.
func (e *Engine) closeParked(p *parkedConn) {
	p.timer.Stop()
	p.c.close(e)
	if p.c.shaped {
		e.releaseSlot(p.c.key)
	}
	e.workers.Done()
}

// adopt returns a parked connection of d's group that may carry d's
// mail, taken out of the group, or nil. Newest first: the oldest expire.
func (d *dest) adopt() *conn {
	e := d.e
	key := d.groupKey()
	s := &e.share
	s.mu.Lock()
	g := s.groups[key]
	var cands []*parkedConn
	if g != nil {
		for i := len(g.parked) - 1; i >= 0 && len(cands) < shareScan; i-- {
			cands = append(cands, g.parked[i])
		}
	}
	s.mu.Unlock()
	for _, p := range cands {
		f := d.fit(p.c)
		if !f.ok {
			continue
		}
		s.mu.Lock()
		ok := s.remove(p)
		s.mu.Unlock()
		if !ok {
			continue // adopted or closed meanwhile
		}
		p.timer.Stop()
		e.workers.Done() // the adopting worker counts for it now
		d.carry(p.c, f)
		return p.c
	}
	return nil
}

// evictParked closes the oldest parked connection of group key, if any,
// so that its slot goes to a destination that could not use it.
func (e *Engine) evictParked(key string) {
	s := &e.share
	s.mu.Lock()
	var p *parkedConn
	if g := s.groups[key]; g != nil && len(g.parked) > 0 {
		p = g.parked[0]
		s.remove(p)
	}
	s.mu.Unlock()
	if p != nil {
		go e.closeParked(p)
	}
}

// want puts d on its group's want list: it has mail and was refused a
// connection slot. A connection of the group with nothing else to carry
// comes to it (handOff).
func (d *dest) want() {
	key := d.groupKey()
	if key == "" {
		return
	}
	s := &d.e.share
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	g := s.group(key)
	if _, ok := g.wants[d]; ok {
		return
	}
	g.wants[d] = struct{}{}
	g.want = append(g.want, wanter{d: d, since: time.Now()})
}

// unwant takes d off group key's want list.
func (s *sharing) unwant(key string, d *dest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return
	}
	if _, ok := g.wants[d]; !ok {
		return
	}
	delete(g.wants, d)
	i := slices.IndexFunc(g.want, func(w wanter) bool { return w.d == d })
	g.want = slices.Delete(g.want, i, i+1)
	s.gc(key)
}

// wanters returns the first shareScan destinations other than not on
// group key's want list.
func (s *sharing) wanters(key string, not *dest) []wanter {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return nil
	}
	var out []wanter
	for _, w := range g.want {
		if w.d != not {
			out = append(out, w)
			if len(out) == shareScan {
				break
			}
		}
	}
	return out
}

// wants reports whether d is on group key's want list.
func (s *sharing) wants(key string, d *dest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return false
	}
	_, ok := g.wants[d]
	return ok
}

// wakeReason says why a destination's waiting worker was woken
// (awaitSlot).
type wakeReason uint8

const (
	wakeSlot    wakeReason = iota + 1 // a slot of its site was given back
	wakeParked                        // a connection was parked in its group
	wakeHandOff                       // a connection of its group took its mail
)

// wake wakes d's worker if it waits for a connection; false if none
// does (it is running, or gone).
func (d *dest) wake(why wakeReason) bool {
	if !d.sleeping.CompareAndSwap(true, false) {
		return false
	}
	select {
	case d.wakeup <- why:
	default:
	}
	return true
}

// wake wakes the first destination on g's want list whose worker waits;
// s.mu held.
func (g *shareGroup) wake(why wakeReason) {
	for _, w := range g.want {
		if w.d.wake(why) {
			return
		}
	}
}

// wakeWaiter wakes the first destination of group key whose worker
// waits for a connection.
func (e *Engine) wakeWaiter(key string, why wakeReason) {
	s := &e.share
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[key]; g != nil {
		g.wake(why)
	}
}

// othersWait reports whether a destination other than d waits in group
// key.
func (s *sharing) othersWait(key string, d *dest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return false
	}
	for _, w := range g.want {
		if w.d != d {
			return true
		}
	}
	return false
}

// closeAll closes every parked connection and parks no more (Stop).
func (e *Engine) closeAllParked() {
	s := &e.share
	s.mu.Lock()
	s.closed = true
	var all []*parkedConn
	for key, g := range s.groups {
		all = append(all, g.parked...)
		g.parked = nil
		s.gc(key)
	}
	s.mu.Unlock()
	for _, p := range all {
		go e.closeParked(p)
	}
}

// enter makes the calling worker, with connection c, one of d's and
// returns d's next job, or nil (d has no mail, or its connections are at
// MaxConnsPerDest).
func (d *dest) enter() *job {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.queue.len() == 0 || d.conns >= d.e.cfg.MaxConnsPerDest || d.e.stopping() {
		return nil
	}
	d.conns++
	d.e.workers.Add(1)
	return d.queue.pop()
}

// handOff moves c, which d's worker holds, to a destination of its group
// waiting for a connection that may use it: that destination and its
// next job (which may be nil when none of its jobs was admitted). to is
// nil when c stays. yield says that a destination that may not use c
// has waited shareYield: c should close rather than park.
func (d *dest) handOff(c *conn) (to *dest, j *job, yield bool) {
	e := d.e
	for _, w := range e.share.wanters(c.group, d) {
		f := w.d.fit(c)
		if !f.ok {
			if time.Since(w.since) >= shareYield && w.d.pending() {
				yield = true
			}
			continue
		}
		j := w.d.enter()
		if j == nil {
			if !w.d.pending() {
				e.share.unwant(c.group, w.d)
			}
			continue
		}
		e.share.unwant(c.group, w.d)
		w.d.wake(wakeHandOff) // its waiting worker is not needed
		d.exit()              // the worker is w.d's now
		w.d.carry(c, f)
		if j = w.d.admit(j, c.key, c.shaped); j == nil {
			j, _ = w.d.takeAdmitted(c)
		}
		return w.d, j, false
	}
	return nil, nil, yield
}

// pending reports whether d has queued mail.
func (d *dest) pending() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queue.len() > 0
}

// takeAdmitted takes d's next job that c's source may send now, without
// waiting: nil when there is none; ok false when the source may no longer
// send to the site at all (c closes).
func (d *dest) takeAdmitted(c *conn) (j *job, ok bool) {
	for {
		j := d.take(0)
		if j == nil {
			return nil, true
		}
		if j = d.admit(j, c.key, c.shaped); j != nil {
			return j, true
		}
		if c.shaped && !d.mayUse(c.key) {
			return nil, false
		}
	}
}

// next decides what c carries after a transaction for d: the worker's
// destination from now on and its job. A nil job ends the connection's
// work: parked (true) or to be closed. Rotation first (head-of-line:
// another destination of the group waits and d had its quantum), then
// d's own mail, then a waiting destination's, then the park.
func (d *dest) next(c *conn) (*dest, *job, bool) {
	e := d.e
	if (c.onDest >= shareQuantumTxns || time.Since(c.destSince) >= e.cfg.shareQuantum) && e.share.othersWait(c.group, d) {
		if to, j, _ := d.handOff(c); to != nil {
			if j != nil {
				return to, j, false
			}
			d = to
		}
	}
	j, ok := d.takeAdmitted(c)
	if !ok {
		return d, nil, false
	}
	if j != nil {
		return d, j, false
	}
	to, j, yield := d.handOff(c)
	if to != nil {
		if j != nil {
			return to, j, false
		}
		d = to
	}
	if yield {
		return d, nil, false
	}
	return d, nil, e.park(c)
}
