package fleet

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backoff shares "slow down until" per key (source|site) after a throttle
// reply, so that every node sending from that source backs off. Until is
// cached locally for CacheFor, so the hot path asks Redis at most once a
// second per key.
type Backoff struct {
	c        *Client
	cacheFor time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	until, fetched time.Time
}

// Backoff returns the shared backoff; cacheFor defaults to 1 s.
func (c *Client) Backoff(cacheFor time.Duration) *Backoff {
	if cacheFor <= 0 {
		cacheFor = time.Second
	}
	return &Backoff{c: c, cacheFor: cacheFor, cache: map[string]cached{}}
}

// reportScript: KEYS key; ARGV until (unix ms). Keeps the later instant.
var reportScript = redis.NewScript(`
local old = tonumber(redis.call('GET', KEYS[1]) or 0)
local u = tonumber(ARGV[1])
if u > old then redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1]) end
return 1
`)

// Report says key must not be sent to before until (the later of this and
// any earlier report wins). It is recorded locally even when Redis fails.
func (b *Backoff) Report(ctx context.Context, key string, until time.Time) {
	b.mu.Lock()
	if e := b.cache[key]; until.After(e.until) {
		b.cache[key] = cached{until: until, fetched: b.c.opts.Now()}
	}
	b.mu.Unlock()
	if b.c.try() {
		b.c.observe(reportScript.Run(ctx, b.c.rdb, []string{b.c.key("backoff", key)}, until.UnixMilli()).Err())
	}
}

// Until returns the instant before which key must not be sent to (zero or
// past: no backoff), from the local cache when fresh.
func (b *Backoff) Until(ctx context.Context, key string) time.Time {
	now := b.c.opts.Now()
	b.mu.Lock()
	e, ok := b.cache[key]
	b.mu.Unlock()
	if ok && now.Sub(e.fetched) < b.cacheFor {
		return e.until
	}
	if b.c.try() {
		ms, err := b.c.rdb.Get(ctx, b.c.key("backoff", key)).Int64()
		if b.c.observe(err) == nil {
			if err == nil {
				e.until = time.UnixMilli(ms)
			} else if !e.until.After(now) {
				e.until = time.Time{}
			}
			b.mu.Lock()
			if len(b.cache) > 100_000 { // bounded: keys are source × site
				clear(b.cache)
			}
			b.cache[key] = cached{until: e.until, fetched: now}
			b.mu.Unlock()
			return e.until
		}
	}
	b.c.degraded()
	return e.until
}
