package delivery

import (
	"fmt"
	"sync/atomic"
	"time"

	"sluice/mta/shaping"
)

// Source choice. A message's jobs are dealt to the sources of its pool in
// turn at dispatch (pickSource), before the site is known: a site is known
// only once the domain's MX hosts are (dest.targets). So a destination's
// worker asks, once the site is known and before a job may use its source
// (admit): a source may say "not now" for that site, because
//
//   - it is warming up (Config.Warmup) and today's allowance at the site
//     (its shaping rule) is spent, or partly: the part that fits stays;
//   - it is blocklisted there (Config.Blocklist): a reply said the site
//     refuses its IP, and the retry time has not come.
//
// The job (or the part that does not fit) then moves to another source of
// its pool that may send there now (reroute): to that source's
// destination for the same domain, as if dispatched there, carrying the
// sources that said no (so it never comes back to them this round) and
// why (Event.Rerouted). When no source of the pool may, it waits in the
// spool: deferred without counting an attempt, until the earliest time
// one may (the next UTC day for warm-up, the retry time for a blocklist).
//
// A blocklist reply to a transaction marks the pair and moves the
// recipients it refused to a peer before they are settled (divert), so
// they are not failed for the sending IP's sake; without a peer they are
// settled as any reply is (a 5xx fails). A blocklist reply to the
// connection itself (the greeting, EHLO) does the same with the whole
// destination's queue (divertConn). A delivery from a pair whose retry
// time came clears its mark.
//
// Warm-up and blocklists need shaping (Config.Shaping), which names the
// sites; without it every source may always send.

// errNoSource defers mail no source of its pool may send to its site now.
type errNoSource struct {
	why   string
	until time.Time
}

func (e *errNoSource) Error() string {
	return fmt.Sprintf("no source of the pool may send to this site now (%s); waiting until %s", e.why, e.until.UTC().Format(time.RFC3339))
}

// gated reports whether the engine has any per-source gate at all.
func (e *Engine) gated() bool { return e.cfg.Warmup != nil || e.cfg.Blocklist != nil }

// admit returns the part of j that d's source may send to k's site now
// (nil when none) and moves the rest to a peer or the spool. A job
// admitted once (charged) is not charged again when it is put back on
// the queue, but a blocklist mark since then still moves it.
func (d *dest) admit(j *job, k shaping.Key, shaped bool) *job {
	e := d.e
	if !shaped || !e.gated() {
		return j
	}
	src, site := d.src.Name, k.Site
	if b, ok := e.cfg.Blocklist.Blocked(src, site.Name()); ok {
		e.uncharge(d.src, j)
		e.reroute(d.src, j, site, fmt.Sprintf("source %s blocklisted at %s until %s: %s", src, site.Name(),
			b.Until.UTC().Format(time.RFC3339), b.Reason))
		return nil
	}
	if j.charged > 0 {
		return j
	}
	n := len(j.w.Rcpts)
	g := e.cfg.Warmup.Take(src, site.Rule(), n)
	if g == n {
		j.charged, j.rule = n, site.Rule()
		return j
	}
	why := fmt.Sprintf("source %s warming up: today's allowance at %s is spent", src, site.Rule())
	if g == 0 {
		e.reroute(d.src, j, site, why)
		return nil
	}
	keep, rest := &job{w: j.w, avoid: j.avoid, note: j.note, charged: g, rule: site.Rule()}, &job{w: j.w, avoid: j.avoid}
	keep.w.Rcpts, rest.w.Rcpts = j.w.Rcpts[:g:g], j.w.Rcpts[g:]
	e.reroute(d.src, rest, site, why)
	return keep
}

// mayUse reports whether d's source may still send to k's site now: a
// connection that finds it may not closes rather than idle.
func (d *dest) mayUse(k shaping.Key) bool {
	e := d.e
	if _, ok := e.cfg.Blocklist.Blocked(d.src.Name, k.Site.Name()); ok {
		return false
	}
	return e.cfg.Warmup.Left(d.src.Name, k.Site.Rule()) != 0
}

// sharedIdle is how long a connection whose slot is leased from the
// fleet waits idle for more mail before it closes and gives the slot back.
const sharedIdle = 250 * time.Millisecond

// uncharge gives back what j took from its source's warm-up allowance
// (it was not sent: the connection failed, or it moves elsewhere).
func (e *Engine) uncharge(src *Source, j *job) {
	if j.charged > 0 {
		e.cfg.Warmup.Give(src.Name, j.rule, j.charged)
		j.charged, j.rule = 0, ""
	}
}

// reroute moves j, refused by from for why, to another source of its
// pool that may send to site now, or defers it until one may.
func (e *Engine) reroute(from *Source, j *job, site shaping.Site, why string) {
	j.avoid = append(j.avoid[:len(j.avoid):len(j.avoid)], from.Name)
	j.note, j.charged, j.rule = why, 0, ""
	to, until := e.peerFor(j, site)
	if to != nil {
		e.handTo(to, j)
		return
	}
	err := &errNoSource{why: why, until: until}
	outs := make([]rcptOutcome, len(j.w.Rcpts))
	for i := range outs {
		outs[i].err = err
	}
	e.settle(j, outs, attempt{source: from.Name, site: site.Name()})
}

// peerFor returns a source of j's pool, other than those j avoids, that
// may send to site now, the pool's turn deciding among them; nil and the
// earliest time one may when none does.
func (e *Engine) peerFor(j *job, site shaping.Site) (*Source, time.Time) {
	pool := j.w.Pool
	if pool == "" {
		pool = e.cfg.DefaultPool
	}
	srcs, ok := e.pools[pool]
	if !ok {
		pool, srcs = e.cfg.DefaultPool, e.pools[e.cfg.DefaultPool]
	}
	now := e.cfg.Now()
	var until time.Time
	later := func(t time.Time) {
		if until.IsZero() || t.Before(until) {
			until = t
		}
	}
	start := 0
	if len(srcs) > 1 {
		v, _ := e.rr.LoadOrStore(pool, new(atomic.Uint64))
		start = int(v.(*atomic.Uint64).Add(1) % uint64(len(srcs)))
	}
	for i := range srcs {
		s := srcs[(start+i)%len(srcs)]
		blocked, isBlocked := e.cfg.Blocklist.Blocked(s.Name, site.Name())
		left := e.cfg.Warmup.Left(s.Name, site.Rule())
		switch {
		case isBlocked:
			later(blocked.Until)
		case left == 0:
			later(e.cfg.Warmup.NextDay())
		case avoids(j, s.Name):
			// It said no this round for a reason that has passed since
			// (a new day): look again soon, from the spool.
			later(now)
		default:
			return s, time.Time{}
		}
	}
	if floor := now.Add(time.Minute); until.Before(floor) {
		until = floor
	}
	return nil, until
}

func avoids(j *job, name string) bool {
	for _, a := range j.avoid {
		if a == name {
			return true
		}
	}
	return false
}

// handTo queues j at to's destination for j's domain, as dispatch does.
func (e *Engine) handTo(to *Source, j *job) {
	key := j.w.Domain + "\x00" + to.Name
	e.mu.Lock()
	d, ok := e.dests[key]
	if !ok {
		d = newDest(e, j.w.Domain, to)
		e.dests[key] = d
	}
	e.mu.Unlock()
	d.add(j)
}

// divert takes the recipients of j that the site refused for a blocklist
// out of outs before they are settled: the pair is marked, and they move
// to a peer of the pool when there is one. A delivery clears a mark whose
// retry time came. It returns what is left to settle here.
func (d *dest) divert(c *conn, j *job, outs []rcptOutcome) (*job, []rcptOutcome) {
	bl := d.e.cfg.Blocklist
	if bl == nil || !c.shaped {
		return j, outs
	}
	site := c.key.Site
	var why string
	var refused []int
	delivered := false
	for i, o := range outs {
		if o.err == nil {
			delivered = true
		} else if w, ok := bl.Reply(o.err); ok {
			why, refused = w, append(refused, i)
		}
	}
	if delivered {
		bl.Delivered(d.src.Name, site.Name())
	}
	if len(refused) == 0 {
		return j, outs
	}
	b := bl.Mark(d.src.Name, site.Name(), why)
	moved := &job{w: j.w, avoid: j.avoid}
	moved.w.Rcpts = nil
	keep := &job{w: j.w, avoid: j.avoid, note: j.note}
	keep.w.Rcpts = nil
	var keepOuts []rcptOutcome
	next := 0
	for i, r := range j.w.Rcpts {
		if next < len(refused) && refused[next] == i {
			moved.w.Rcpts = append(moved.w.Rcpts, r)
			next++
			continue
		}
		keep.w.Rcpts = append(keep.w.Rcpts, r)
		keepOuts = append(keepOuts, outs[i])
	}
	probe := &job{w: moved.w, avoid: append(moved.avoid[:len(moved.avoid):len(moved.avoid)], d.src.Name)}
	if to, _ := d.e.peerFor(probe, site); to == nil {
		return j, outs // nowhere else: settled as any reply is
	}
	d.e.reroute(d.src, moved, site, fmt.Sprintf("source %s blocklisted at %s until %s: %s", d.src.Name, site.Name(),
		b.Until.UTC().Format(time.RFC3339), why))
	if len(keep.w.Rcpts) == 0 {
		return nil, nil
	}
	return keep, keepOuts
}

// divertConn handles a blocklist reply to the connection itself: the
// pair is marked and, when a peer of the pool may send to the site, j and
// every job queued here move (true). Without a peer it returns false and
// the caller fails the connection as usual.
func (d *dest) divertConn(j *job, k shaping.Key, err error) bool {
	bl := d.e.cfg.Blocklist
	why, ok := bl.Reply(err)
	if !ok {
		return false
	}
	bl.Mark(d.src.Name, k.Site.Name(), why)
	probe := &job{w: j.w, avoid: append(j.avoid[:len(j.avoid):len(j.avoid)], d.src.Name)}
	if to, _ := d.e.peerFor(probe, k.Site); to == nil {
		return false
	}
	jobs := []*job{j}
	d.mu.Lock()
	jobs = append(jobs, d.queue.drain()...)
	d.mu.Unlock()
	for _, j := range jobs {
		d.admit(j, k, true) // blocked now: moves it
	}
	return true
}
