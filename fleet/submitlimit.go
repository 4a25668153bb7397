package fleet

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/mta/submit"
)

// TenantLimits is the fleet's submit.TenantLimiter: each tenant's message
// rate and daily quota counted once for every node (submit.LocalLimiter
// counts one node's). The rate is GCRA in Redis on Redis's clock (key
// <prefix>tenant:rate:<tenant>); the quota is a count per UTC day of
// Redis's clock (hash <prefix>tenant:day:<tenant>: the day and its count,
// expiring a day after it ends). MAIL FROM costs one round trip (one
// script checks the quota, then takes the rate's place), an accepted
// message one more; a tenant without limits costs none.
//
// Redis down is a degraded mode, never a stop: the rate runs locally at
// the node's share (rate ÷ live nodes last seen, burst likewise), the
// quota lets this node take its share of what was left of the day when it
// last read the count (ceil(left ÷ live nodes)), and the messages it
// accepts meanwhile are added to Redis's count with its next accepted
// message once Redis answers. A Redis that lost its data (restart without
// persistence) is re-seeded: a node never lets the day's count it adds to
// fall below the count it last read, so the quota stays spent.
type TenantLimits struct {
	c      *Client
	limits atomic.Pointer[map[string]submit.Limit] // SetLimits swaps them (submitlimit_reload.go)
	rate   *Rate                                   // its local GCRA is the degraded rate

	mu   sync.Mutex
	days map[string]*dayCount // tenants with a quota
	// dayOffset is Redis's UTC day minus this node's, as last seen: the
	// quota's day is Redis's, so a node whose clock is off (or a test's
	// shifted clock) still counts the day Redis counts while Redis is
	// down. Guarded by mu.
	dayOffset int64
}

var _ submit.TenantLimiter = (*TenantLimits)(nil)

// dayCount is what this node knows of a tenant's day.
type dayCount struct {
	day     int64 // the UTC day of seen and pending (days since 1970)
	seen    int64 // the fleet's count of that day when Redis last said it
	pending int64 // accepted here and not yet added in Redis
}

// TenantLimits returns the fleet's limiter for limits (by tenant name; a
// tenant not listed, or with a zero Limit, is unlimited). Limits are
// checked as submit.NewLocalLimiter checks them: pass the node's
// LocalLimiter.Limits().
func (c *Client) TenantLimits(limits map[string]submit.Limit) *TenantLimits {
	l := &TenantLimits{c: c, rate: c.Rate(), days: map[string]*dayCount{}}
	l.limits.Store(&limits)
	return l
}

// tenantAllowScript: KEYS rate, day; ARGV emission interval µs (0: no
// rate), burst, daily quota (0: none), messages accepted by the caller
// and not yet counted, the count the caller last read and its day (the
// floor of the count, as in tenantAcceptedScript). The quota first (a refusal takes no place in the
// rate), then GCRA as gcraScript. Returns {allowed, retry µs, refused by
// (1 rate, 2 quota), the day's count, the day}.
var tenantAllowScript = redis.NewScript(`
local t = redis.call('TIME')
local sec, us = tonumber(t[1]), tonumber(t[2])
local now = sec * 1000000 + us
local day = math.floor(sec / 86400)
local T, burst, daily = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local n = 0
local d = redis.call('HMGET', KEYS[2], 'day', 'n')
if tonumber(d[1]) == day then n = tonumber(d[2]) or 0 end
if tonumber(ARGV[6]) == day and tonumber(ARGV[5]) > n then n = tonumber(ARGV[5]) end
if daily > 0 and n + tonumber(ARGV[4]) >= daily then
  return {0, ((day + 1) * 86400 - sec) * 1000000 - us, 2, n, day}
end
if T > 0 then
  local tat = tonumber(redis.call('GET', KEYS[1]) or now)
  if tat < now then tat = now end
  local newtat = tat + T
  local allowAt = newtat - burst * T
  if now < allowAt then return {0, allowAt - now, 1, n, day} end
  redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000) + 1)
end
return {1, 0, 0, n, day}
`)

// tenantAcceptedScript: KEYS day; ARGV messages to add, the count the
// caller last read and its day. The day's count (on Redis's clock) is
// raised to the caller's count first when that is of the same day and
// higher (Redis lost it), then the messages are added. Returns {count,
// day}.
var tenantAcceptedScript = redis.NewScript(`
local sec = tonumber(redis.call('TIME')[1])
local day = math.floor(sec / 86400)
local d = redis.call('HMGET', KEYS[1], 'day', 'n')
local n = 0
if tonumber(d[1]) == day then n = tonumber(d[2]) or 0 end
if tonumber(ARGV[3]) == day and tonumber(ARGV[2]) > n then n = tonumber(ARGV[2]) end
n = n + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'day', day, 'n', n)
redis.call('EXPIREAT', KEYS[1], (day + 2) * 86400)
return {n, day}
`)

// Allow implements submit.TenantLimiter.
func (l *TenantLimits) Allow(ctx context.Context, tenant string) (bool, time.Duration, string) {
	lim, ok := (*l.limits.Load())[tenant]
	if !ok || (lim.Rate <= 0 && lim.Daily <= 0) {
		return true, 0, ""
	}
	burst := burstOf(lim)
	if l.c.try() {
		pending, seen, day := l.known(tenant)
		var T int64
		if lim.Rate > 0 && !math.IsInf(lim.Rate, 0) {
			T = max(1, int64(1e6/lim.Rate))
		}
		res, err := tenantAllowScript.Run(ctx, l.c.rdb, []string{l.c.key("tenant", "rate", tenant), l.c.key("tenant", "day", tenant)},
			T, burst, lim.Daily, pending, seen, day).Int64Slice()
		if l.c.observe(err) == nil && len(res) == 5 {
			if lim.Daily > 0 {
				l.saw(tenant, res[4], res[3])
			}
			if res[0] == 1 {
				return true, 0, ""
			}
			reason := submit.LimitRate
			if res[2] == 2 {
				reason = submit.LimitDaily
			}
			return false, time.Duration(res[1]) * time.Microsecond, reason
		}
	}
	l.c.degraded()
	return l.allowLocal(tenant, lim, burst)
}

// allowLocal is Allow on this node's share while Redis is down.
func (l *TenantLimits) allowLocal(tenant string, lim submit.Limit, burst int) (bool, time.Duration, string) {
	now := l.c.opts.Now()
	nodes := int64(max(1, l.c.LiveCount()))
	if lim.Daily > 0 {
		l.mu.Lock()
		d := l.today(tenant, now)
		left := max(0, lim.Daily-d.seen)
		share := (left + nodes - 1) / nodes
		over := d.pending >= share
		l.mu.Unlock()
		if over {
			next := time.Unix((utcDay(now)+1)*86400, 0)
			return false, next.Sub(now), submit.LimitDaily
		}
	}
	if lim.Rate > 0 {
		if ok, wait, _ := l.rate.local("tenant:"+tenant, lim.Rate/float64(nodes), l.c.share(burst)); !ok {
			return false, wait, submit.LimitRate
		}
	}
	return true, 0, ""
}

// Accepted implements submit.TenantLimiter: it adds n (and what this node
// accepted while Redis was down) to the tenant's count of the day.
func (l *TenantLimits) Accepted(ctx context.Context, tenant string, n int) {
	lim, ok := (*l.limits.Load())[tenant]
	if !ok || lim.Daily <= 0 || n <= 0 {
		return
	}
	now := l.c.opts.Now()
	l.mu.Lock()
	d := l.today(tenant, now)
	d.pending += int64(n)
	if !l.c.try() {
		l.mu.Unlock()
		l.c.degraded()
		return
	}
	// Taken out of pending while on the way, so that a concurrent call
	// does not send the same messages again.
	add, floor, day := d.pending, d.seen, d.day
	d.pending = 0
	l.mu.Unlock()
	res, err := tenantAcceptedScript.Run(ctx, l.c.rdb, []string{l.c.key("tenant", "day", tenant)}, add, floor, day).Int64Slice()
	ok = l.c.observe(err) == nil && len(res) == 2
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok {
		l.dayOffset = res[1] - utcDay(now)
	}
	d = l.days[tenant]
	switch {
	case !ok:
		l.c.degraded()
		if d.day == day {
			d.pending += add // added with the next accepted message
		}
	case res[1] == d.day && res[0] > d.seen:
		d.seen = res[0]
	case res[1] > d.day: // a new day on Redis's clock
		*d = dayCount{day: res[1], seen: res[0]}
	}
}

// known is what this node knows of tenant's day: the messages it
// accepted and has not counted in Redis yet, the count it last read, and
// that count's day (-1: none).
func (l *TenantLimits) known(tenant string) (pending, seen, day int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d := l.days[tenant]; d != nil {
		return d.pending, d.seen, d.day
	}
	return 0, 0, -1
}

// saw records the fleet's count of day read from Redis.
func (l *TenantLimits) saw(tenant string, day, count int64) {
	now := l.c.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dayOffset = day - utcDay(now)
	d := l.days[tenant]
	if d == nil {
		d = &dayCount{day: day}
		l.days[tenant] = d
	}
	if day > d.day { // a new day on Redis's clock: what was pending was yesterday's
		*d = dayCount{day: day}
	}
	if day == d.day && count > d.seen { // a day's count only grows, unless Redis lost it
		d.seen = count
	}
}

// today returns tenant's counts, started afresh when now (this node's
// clock) is past their day. Called with l.mu held.
func (l *TenantLimits) today(tenant string, now time.Time) *dayCount {
	day := utcDay(now) + l.dayOffset // Redis's day, as this node last saw it
	d := l.days[tenant]
	if d == nil {
		d = &dayCount{day: day}
		l.days[tenant] = d
	}
	if day > d.day {
		*d = dayCount{day: day}
	}
	return d
}

// burstOf is lim's burst as submit.LocalLimiter takes it: the rate
// rounded up when none is set, at least 1.
func burstOf(lim submit.Limit) int {
	if lim.Burst > 0 {
		return lim.Burst
	}
	if lim.Rate <= 0 || math.IsInf(lim.Rate, 0) || lim.Rate > 1e6 {
		return 1
	}
	return max(1, int(math.Ceil(lim.Rate)))
}

// utcDay is t's day in UTC, counted from 1970-01-01.
func utcDay(t time.Time) int64 {
	return int64(math.Floor(float64(t.Unix()) / 86400))
}
