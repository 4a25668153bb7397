package delivery

import (
	"slices"
	"sync"
	"time"
)

// Slow connections. A receiver can tarpit one connection (answer each
// command seconds late) while its siblings at the same site answer at
// once. Nothing fails, so nothing else would ever close it: it carries
// its share of the mail, up to the messages-per-connection limit, each
// transaction tens of seconds long. When backoff has cut the site to one
// connection, that share is all of it (in the soak through a chaos MX,
// 253 of the last 300 deliveries waited ~450 s behind one such
// connection). So the engine times each transaction and closes, after its
// transaction, a connection whose recent transactions take much longer
// than the site's other connections' (or, with no others to compare
// with, longer than an absolute budget), and dials a new one. Closing it
// is no failure: the receiver is not told to slow down (shaping sees
// nothing), its slot is released, and the mail queued behind it goes out
// on the site's other connections or the new one, on the same attempt.
//
// Postfix has no such rule (a slow session ends only at its timeouts);
// the closest is its per-session time limit, smtp_connection_reuse_time_limit
// (300 s), which caps how long a connection is reused regardless of how
// it performs. Comparing with the siblings catches a tarpit within one
// transaction, and the absolute floor keeps a fast site's jitter (a 3 ms
// transaction among 0.5 ms ones) from ever counting.

// slowFactor is how many times the site's median transaction time a
// connection's own median must exceed to be closed as slow.
const slowFactor = 4

// defaultSlowFloor is the least median transaction time that can count as
// slow (Config.slowFloor): below it no connection is ever closed for
// speed, so fast sites are never affected.
const defaultSlowFloor = 2 * time.Second

// defaultSlowBudget is the median transaction time above which a
// connection is closed when the site has too few transactions on other
// connections to compare with (Config.slowBudget). Transactions are
// pipelined: two round trips, plus the body's transfer.
const defaultSlowBudget = 30 * time.Second

// connTxns is how many of a connection's own most recent transactions
// its median is taken over. The lower median of one or two is their
// minimum, so once a connection has two transactions one long one (a
// large message) does not close it.
const connTxns = 3

// siteTxns is how many of the site's most recent transactions on other
// connections their median is taken over; minSiteTxns is the fewest that
// make a comparison.
const (
	siteTxns    = 10
	minSiteTxns = 3
)

// siteTimesIdle is how long the transaction times of a site nobody used
// are kept.
const siteTimesIdle = 10 * time.Minute

// txnTime is one transaction's duration and the connection it ran on.
type txnTime struct {
	conn uint64
	took time.Duration
}

// siteTimes holds the recent transaction times of one site (a shaping
// key, or a destination when unshaped), across all its connections,
// including closed ones: a new connection is compared with those it
// replaces.
type siteTimes struct {
	mu      sync.Mutex
	ring    [3 * siteTxns]txnTime // newest at next-1
	next, n int
	lastUse time.Time
}

// record adds a transaction of connection conn and returns the median
// time of the site's last siteTxns transactions on other connections, and
// how many there were, taken before this one was added.
func (s *siteTimes) record(conn uint64, took time.Duration, now time.Time) (median time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var others [siteTxns]time.Duration
	for i := 0; i < s.n && n < siteTxns; i++ {
		t := s.ring[(s.next-1-i+len(s.ring))%len(s.ring)]
		if t.conn != conn {
			others[n] = t.took
			n++
		}
	}
	s.ring[s.next] = txnTime{conn: conn, took: took}
	s.next = (s.next + 1) % len(s.ring)
	s.n = min(s.n+1, len(s.ring))
	s.lastUse = now
	return lowerMedian(others[:n]), n
}

// lowerMedian returns the lower median of ds (0 for none); it sorts ds.
func lowerMedian(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)-1)/2]
}

// slowVerdict is the detector's reading of one connection after a
// transaction.
type slowVerdict struct {
	slow  bool
	own   time.Duration // the connection's median
	site  time.Duration // the median of the site's other connections
	n     int           // how many transactions site is taken over
	limit time.Duration // what own was compared with
}

// judgeSlow says whether a connection whose recent transactions have
// median own is slow, given the median site of n recent transactions on
// the site's other connections: own must reach floor, and exceed
// slowFactor × site when n is at least minSiteTxns, else budget. A site
// slow on every connection is not a slow connection: redialling would
// not help.
func judgeSlow(own, site time.Duration, n int, floor, budget time.Duration) slowVerdict {
	v := slowVerdict{own: own, site: site, n: n, limit: budget}
	if n >= minSiteTxns {
		v.limit = slowFactor * site
	}
	v.slow = own >= floor && own > v.limit
	return v
}

// timesFor returns the transaction times of key, created if need be;
// it forgets those of sites unused for siteTimesIdle.
func (e *Engine) timesFor(key string) *siteTimes {
	now := e.cfg.Now()
	e.timesMu.Lock()
	defer e.timesMu.Unlock()
	if now.Sub(e.timesSweep) >= time.Minute {
		e.timesSweep = now
		for k, s := range e.times {
			s.mu.Lock()
			idle := now.Sub(s.lastUse) >= siteTimesIdle
			s.mu.Unlock()
			if idle {
				delete(e.times, k)
			}
		}
	}
	s := e.times[key]
	if s == nil {
		s = &siteTimes{lastUse: now}
		e.times[key] = s
	}
	return s
}

// timeTxn records one transaction of c that took took and, the first
// time the connection turns out slow, marks it to be closed after its
// transaction: logged once with the numbers, and counted through
// Config.ConnDropped.
func (d *dest) timeTxn(c *conn, took time.Duration) {
	e := d.e
	site, n := c.times.record(c.id, took, e.cfg.Now())
	c.took[c.txns%connTxns] = took
	c.txns++
	if c.drop != "" {
		return
	}
	own := append([]time.Duration(nil), c.took[:min(c.txns, connTxns)]...)
	v := judgeSlow(lowerMedian(own), site, n, e.cfg.slowFloor, e.cfg.slowBudget)
	if !v.slow {
		return
	}
	c.drop = dropSlow
	e.log.Warn("delivery: closing a slow connection after its transaction", "rcpt_domain", d.domain, "mx", c.mx,
		"source", d.src.Name, "cid", c.id, "txns", c.txns, "txn_median_ms", v.own.Milliseconds(),
		"site_median_ms", v.site.Milliseconds(), "site_txns", v.n, "limit_ms", v.limit.Milliseconds())
	if f := e.cfg.ConnDropped; f != nil {
		f(dropSlow)
	}
}

// slowQuitWait is how long a connection closed for being slow waits for
// the reply to its QUIT.
const slowQuitWait = 100 * time.Millisecond

// dropSlow is the Config.ConnDropped reason of a connection closed for
// being slow.
const dropSlow = "slow"
