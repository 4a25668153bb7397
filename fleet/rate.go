package fleet

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rate is a fleet-wide message rate per key: GCRA (the generic cell rate
// algorithm, one stored instant per key: the theoretical arrival time) in
// a script on Redis's clock (TIME), so the nodes' clocks do not matter.
// While Redis is down it runs the same algorithm locally on this node's
// share of the rate.
type Rate struct {
	c *Client

	mu  sync.Mutex
	tat map[string]time.Time // local fallback
}

// Rate returns the fleet's rate limiter.
func (c *Client) Rate() *Rate { return &Rate{c: c, tat: map[string]time.Time{}} }

// gcraScript: KEYS key; ARGV emission interval µs, burst. Returns
// {allowed, retry after µs}.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newtat = tat + T
local allowAt = newtat - burst * T
if now < allowAt then return {0, allowAt - now} end
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000) + 1)
return {1, 0}
`)

// Allow takes one unit of key's rate (perSecond, with burst units at
// once). When it is refused, retryAfter says when one will be available.
// With Redis down it answers from the local share (err stays nil).
func (r *Rate) Allow(ctx context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	if perSecond <= 0 || math.IsNaN(perSecond) {
		return false, time.Second, nil
	}
	burst = max(1, burst)
	if r.c.try() {
		T := max(1, int64(1e6/perSecond))
		res, err := gcraScript.Run(ctx, r.c.rdb, []string{r.c.key("rate", key)}, T, burst).Int64Slice()
		if r.c.observe(err) == nil && len(res) == 2 {
			return res[0] == 1, time.Duration(res[1]) * time.Microsecond, nil
		}
		if ctx.Err() != nil {
			return false, 0, fmt.Errorf("fleet: rate %s: %w", key, ctx.Err())
		}
	}
	r.c.degraded()
	n := float64(max(1, r.c.LiveCount()))
	return r.local(key, perSecond/n, r.c.share(burst))
}

// local is GCRA on this node's clock.
func (r *Rate) local(key string, perSecond float64, burst int) (bool, time.Duration, error) {
	now := r.c.opts.Now()
	T := time.Duration(float64(time.Second) / perSecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	tat := r.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTat := tat.Add(T)
	allowAt := newTat.Add(-time.Duration(burst) * T)
	if now.Before(allowAt) {
		return false, allowAt.Sub(now), nil
	}
	r.tat[key] = newTat
	return true, 0, nil
}

// reserveScript: KEYS key; ARGV emission interval µs, burst, n, max wait
// µs. GCRA with reservations: n units are taken whatever the wait (their
// place among concurrent callers stands), and the wait until they are due
// is returned; a wait beyond the maximum takes nothing and returns it.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newtat = tat + n * T
local wait = newtat - burst * T - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[4]) then return tonumber(ARGV[4]) end
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000) + 1)
return wait
`)

// maxReserveWait bounds the wait Reserve returns (and takes).
const maxReserveWait = time.Minute

// Reserve takes n units of key's rate (perSecond, burst units at once)
// and returns how long the caller must wait before using them: the
// reservation stands whatever the caller does, as shaping.Policy.Reserve
// wants. With Redis down it reserves from the local share (err stays
// nil).
func (r *Rate) Reserve(ctx context.Context, key string, perSecond float64, burst, n int) (time.Duration, error) {
	if n <= 0 || perSecond <= 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
		return 0, nil
	}
	burst = max(1, burst)
	if r.c.try() {
		T := max(1, int64(1e6/perSecond))
		w, err := reserveScript.Run(ctx, r.c.rdb, []string{r.c.key("rate", key)}, T, burst, n,
			maxReserveWait.Microseconds()).Int64()
		if r.c.observe(err) == nil {
			return time.Duration(w) * time.Microsecond, nil
		}
		if ctx.Err() != nil {
			return 0, fmt.Errorf("fleet: rate %s: %w", key, ctx.Err())
		}
	}
	r.c.degraded()
	nodes := float64(max(1, r.c.LiveCount()))
	return r.reserveLocal(key, perSecond/nodes, r.c.share(burst), n), nil
}

// reserveLocal is Reserve's GCRA on this node's clock.
func (r *Rate) reserveLocal(key string, perSecond float64, burst, n int) time.Duration {
	now := r.c.opts.Now()
	T := time.Duration(float64(time.Second) / perSecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	tat := r.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTat := tat.Add(time.Duration(n) * T)
	wait := max(0, newTat.Add(-time.Duration(burst)*T).Sub(now))
	if wait > maxReserveWait {
		return maxReserveWait
	}
	if len(r.tat) > 100_000 { // bounded: keys are source × site
		clear(r.tat)
	}
	r.tat[key] = newTat
	return wait
}
