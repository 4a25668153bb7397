package fleet

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/mta/shaping"
)

// WarmupCounts is the fleet's shaping.WarmupShared: each warming source's
// messages per site per day counted once for every node, so that nodes
// sharing a new IP send each site the day's allowance once between them.
// The count is a hash <prefix>warmup:<source>|<site>:<YYYY-MM-DD> (the
// day of the nodes' warm-up clocks, so that it agrees with the curve's
// day; a new day is a new key) of two counters that only grow, messages
// taken (t) and given back (g), the day's count being t − g; it expires
// two days after its last write on Redis's clock. A Take or Give is one
// round trip (one script); Left reads what this node last saw, never
// Redis.
//
// Redis down is a degraded mode, never a stop: a node takes its share of
// what was left of the day when it last read the count (ceil(left ÷ live
// nodes)), and what it takes or gives meanwhile reaches Redis with its
// next Take or Give once Redis answers. A Redis that lost its data
// (restart without persistence) is re-seeded: a node never lets either
// counter fall below what it last read (both only grow, so the highest
// reading is the truest), and the day's allowance is not handed out
// twice.
type WarmupCounts struct {
	c *Client

	mu     sync.Mutex
	counts map[string]*warmCount // "source|site"
}

var _ shaping.WarmupShared = (*WarmupCounts)(nil)

// warmCount is what this node knows of one (source, site)'s day.
type warmCount struct {
	day          time.Time // the day of the counts below
	taken, given int64     // the fleet's counters when Redis last said them
	pendT, pendG int64     // taken and given here, not yet added in Redis
}

// net is the day's count as this node knows it.
func (d *warmCount) net() int64 { return d.taken + d.pendT - d.given - d.pendG }

// share is this node's part of what was left when it last read the
// count, while Redis is down: ceil(left ÷ nodes), less what it took
// since.
func (d *warmCount) share(allowance, nodes int64) int64 {
	left := max(0, allowance-(d.taken-d.given))
	return max(0, (left+nodes-1)/nodes-(d.pendT-d.pendG))
}

// warmupTTL keeps a day's count a day past the longest UTC day it can
// belong to.
const warmupTTL = 48 * time.Hour

// WarmupCounts returns the fleet's warm-up counter.
func (c *Client) WarmupCounts() *WarmupCounts {
	return &WarmupCounts{c: c, counts: map[string]*warmCount{}}
}

// warmupTakeScript: KEYS count; ARGV messages wanted, allowance, the
// counters taken and given the caller last read (their floors: Redis may
// have lost them), what the caller took and gave and has not added yet,
// TTL in seconds. Returns {granted, taken, given}.
var warmupTakeScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 't', 'g')
local t = math.max(tonumber(v[1]) or 0, tonumber(ARGV[3])) + tonumber(ARGV[5])
local g = math.max(tonumber(v[2]) or 0, tonumber(ARGV[4])) + tonumber(ARGV[6])
local n = math.min(tonumber(ARGV[1]), math.max(0, tonumber(ARGV[2]) - math.max(0, t - g)))
t = t + n
redis.call('HSET', KEYS[1], 't', t, 'g', g)
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {n, t, g}
`)

// Take implements shaping.WarmupShared.
func (w *WarmupCounts) Take(source, site string, day time.Time, n, allowance int) int {
	if n < 0 || allowance <= 0 {
		return 0
	}
	if g, ok := w.run(source, site, day, n, 0, allowance); ok {
		return g
	}
	w.c.degraded()
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.count(source, site, day)
	if d == nil {
		return 0 // a day already past on this node
	}
	g := min(int64(n), d.share(int64(allowance), int64(max(1, w.c.LiveCount()))))
	d.pendT += g
	return int(g)
}

// Give implements shaping.WarmupShared.
func (w *WarmupCounts) Give(source, site string, day time.Time, n int) {
	if n <= 0 {
		return
	}
	if _, ok := w.run(source, site, day, 0, int64(n), 0); ok {
		return
	}
	w.c.degraded()
	w.mu.Lock()
	defer w.mu.Unlock()
	if d := w.count(source, site, day); d != nil {
		d.pendG += int64(n) // added with the next call that reaches Redis
	}
}

// Left implements shaping.WarmupShared: allowance less the count last
// read and what was taken here since, or, while Redis is down, what is
// left of this node's share.
func (w *WarmupCounts) Left(source, site string, day time.Time, allowance int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.counts[source+"|"+site]
	if d == nil || !d.day.Equal(day) {
		d = &warmCount{}
	}
	if w.c.Healthy() {
		return int(max(0, int64(allowance)-d.net()))
	}
	return int(d.share(int64(allowance), int64(max(1, w.c.LiveCount()))))
}

// run is one round trip of warmupTakeScript: it takes up to n against
// allowance after giving back give, adding what this node has pending.
// ok is false when Redis did not answer (or is not tried now): then
// nothing was counted and the caller falls back.
func (w *WarmupCounts) run(source, site string, day time.Time, n int, give int64, allowance int) (granted int, ok bool) {
	if !w.c.try() {
		return 0, false
	}
	w.mu.Lock()
	d := w.count(source, site, day)
	if d == nil {
		w.mu.Unlock()
		return 0, true // a day already past on this node: nothing to count
	}
	// Taken out of pending while on the way, so that a concurrent call
	// does not send the same messages again.
	taken, given, pendT, pendG := d.taken, d.given, d.pendT, d.pendG
	d.pendT, d.pendG = 0, 0
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), w.c.opts.Timeout)
	defer cancel()
	key := w.c.key("warmup", source+"|"+site, day.UTC().Format(time.DateOnly))
	res, err := warmupTakeScript.Run(ctx, w.c.rdb, []string{key}, n, allowance, taken, given, pendT, pendG+give,
		int64(warmupTTL/time.Second)).Int64Slice()
	ok = w.c.observe(err) == nil && len(res) == 3
	w.mu.Lock()
	defer w.mu.Unlock()
	d = w.count(source, site, day)
	switch {
	case d == nil: // the day ended meanwhile
	case !ok: // back to pending; the caller falls back with its own n or give
		d.pendT += pendT
		d.pendG += pendG
	default: // both counters only grow: the higher reading is the later
		d.taken, d.given = max(d.taken, res[1]), max(d.given, res[2])
	}
	if !ok {
		return 0, false
	}
	return int(res[0]), true
}

// count returns what this node knows of (source, site) on day, started
// afresh when day is later than what it knew; nil when day is earlier (a
// call that crossed midnight). Called with w.mu held.
func (w *WarmupCounts) count(source, site string, day time.Time) *warmCount {
	k := source + "|" + site
	d := w.counts[k]
	switch {
	case d == nil || day.After(d.day):
		d = &warmCount{day: day}
		w.counts[k] = d
	case day.Before(d.day):
		return nil
	}
	return d
}
