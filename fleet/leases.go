package fleet

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Leases are fleet-wide connection slots per key ("source|site"): a
// sorted set <prefix>lease:<key> of lease ids scored by expiry on Redis's
// clock. A holder renews its leases (Run) while it holds them, so the
// slots of a node that crashed come back after TTL. While Redis is down,
// Acquire counts locally against this node's share of the limit, the
// leases held at the outage included; once Redis answers, the node's
// next call (an Acquire or a renewal) first registers every connection
// it has open, those Redis lost and those taken meanwhile.
//
// Slots are handed out fairly between nodes (acquireScript): a node
// refused one is marked waiting (sorted set <prefix>leasewait:<key> of
// node ids, each mark lapsing Leases.wait after the node's last refusal:
// one that stopped asking, or died, stops counting), and a free slot is
// refused to a node while another node waiting holds fewer slots of the
// key. Without it, a node whose connections end and reopen (each
// after max_messages_per_connection) takes its slot back in the moment
// between its release and its next acquire, and a node that asks every
// few hundred milliseconds finds none free: nodes with a deep backlog
// kept a site's slots indefinitely while another node's mail to it
// waited.
type Leases struct {
	c    *Client
	ttl  time.Duration
	wait time.Duration // how long a refused node counts as waiting
	seq  atomic.Uint64

	// synced is the client's failed-call count (Stats.RedisErrors) when
	// a renewal last succeeded: a count moved since means Redis may have
	// lost leases, or come back, meanwhile (see sync).
	synced atomic.Uint64

	// mu also covers sync's round trip, so that a Release is ordered
	// either before a renewal (not re-added) or after it (its ZREM
	// follows the ZADD).
	mu     sync.Mutex
	held   map[*Lease]struct{} // in Redis, renewed by Run
	heldN  map[string]int      // held per caller's key
	local  map[*Lease]struct{} // taken while Redis was down: held once a renewal registered them
	localN map[string]int      // local per caller's key
}

// Lease is one connection slot. Release it when the connection closes.
type Lease struct {
	l     *Leases
	key   string // the sorted set
	name  string // the caller's key
	id    string
	local bool
	once  sync.Once
}

// Leases returns the lease manager; ttl (default 15 s) is how long a
// crashed holder's slot outlives it. Call Run to renew.
func (c *Client) Leases(ttl time.Duration) *Leases {
	if ttl <= 0 {
		ttl = 15 * time.Second
	}
	return &Leases{c: c, ttl: ttl, wait: min(time.Second, ttl/3), held: map[*Lease]struct{}{}, heldN: map[string]int{},
		local: map[*Lease]struct{}{}, localN: map[string]int{}}
}

// acquireScript: KEYS set, waiting set; ARGV id, limit, ttl ms, node,
// wait ms. Drops expired leases and lapsed waiting marks, and adds id
// when fewer than limit remain and no other node waiting holds fewer
// leases than node (a lease id is "<node>-<seq>"; node ids may contain
// '-', seq does not); else marks node waiting. Returns 1 or 0.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local node = ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local function refuse()
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), node)
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]) * 2)
  return 0
end
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
if #ids >= tonumber(ARGV[2]) then return refuse() end
local waiting = redis.call('ZRANGE', KEYS[2], 0, -1)
if #waiting > 0 then
  local per = {}
  for _, id in ipairs(ids) do
    local n = string.match(id, '^(.*)%-[^-]*$')
    if n then per[n] = (per[n] or 0) + 1 end
  end
  local mine = per[node] or 0
  for _, w in ipairs(waiting) do
    if w ~= node and (per[w] or 0) < mine then return refuse() end
  end
  redis.call('ZREM', KEYS[2], node)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
`)

// renewScript: KEYS set; ARGV ttl ms, ids. Pushes the expiry of the ids,
// adding those that are missing: each is a connection open now, which
// the receiver counts whether or not Redis remembers it (Redis restarted
// empty, or the lease expired while this node could not renew it). The
// set may then hold more than the limit for a while; Acquire lets no
// one in until it is back under.
var renewScript = redis.NewScript(`
local t = redis.call('TIME')
local exp = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], exp, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
`)

// Acquire takes one of limit slots of key. ok is false when all are
// taken, or when another node waiting for one holds fewer (see Leases).
// With Redis down it answers from the local share (err stays nil:
// degraded is not an error for the caller).
func (l *Leases) Acquire(ctx context.Context, key string, limit int) (*Lease, bool, error) {
	if limit <= 0 {
		return nil, false, nil
	}
	if l.c.try() {
		// After an outage (or any failed call) the connections this node
		// has open count in Redis before this one asks: those opened
		// without Redis, and those Redis lost (restarted empty, or
		// expired unrenewed). Else the set looks short, and this node,
		// then the others, take slots that are in use.
		err := l.syncIfStale(ctx)
		var n int64
		ls := l.newLease(key)
		if err == nil {
			n, err = acquireScript.Run(ctx, l.c.rdb, []string{ls.key, l.c.key("leasewait", key)},
				ls.id, limit, l.ttl.Milliseconds(), l.c.opts.NodeID, max(l.wait.Milliseconds(), 1)).Int64()
			err = l.c.observe(err)
		}
		if err == nil {
			if n == 0 {
				return nil, false, nil
			}
			l.mu.Lock()
			l.held[ls] = struct{}{}
			l.heldN[key]++
			l.mu.Unlock()
			return ls, true, nil
		}
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("fleet: acquire %s: %w", key, ctx.Err())
		}
	}
	l.c.degraded()
	l.mu.Lock()
	defer l.mu.Unlock()
	// The node's share counts every connection it has open, those it
	// leased in Redis before the outage included.
	if l.localN[key]+l.heldN[key] >= l.c.share(limit) {
		return nil, false, nil
	}
	ls := l.newLease(key)
	ls.local = true
	l.local[ls] = struct{}{}
	l.localN[key]++
	return ls, true, nil
}

// newLease is a lease of the caller's key with a fresh id.
func (l *Leases) newLease(key string) *Lease {
	return &Lease{l: l, key: l.c.key("lease", key), name: key,
		id: l.c.opts.NodeID + "-" + strconv.FormatUint(l.seq.Add(1), 36)}
}

// Release gives the slot back (once; later calls do nothing). A release
// that cannot reach Redis leaves the slot to expire after the TTL.
func (ls *Lease) Release(ctx context.Context) {
	ls.once.Do(func() {
		l := ls.l
		l.mu.Lock()
		if ls.local {
			delete(l.local, ls)
			decr(l.localN, ls.name)
			l.mu.Unlock()
			return
		}
		delete(l.held, ls)
		decr(l.heldN, ls.name)
		l.mu.Unlock()
		if l.c.try() {
			l.c.observe(l.c.rdb.ZRem(ctx, ls.key, ls.id).Err())
		}
	})
}

// Run renews the held leases every TTL/3 until ctx ends, one script call
// per key, pipelined.
func (l *Leases) Run(ctx context.Context) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.renew(ctx)
	}
}

// renew is Run's tick: sync, unless Redis is down and this is no probe's
// turn.
func (l *Leases) renew(ctx context.Context) {
	if l.c.try() {
		_ = l.sync(ctx)
	}
}

// syncIfStale syncs when a Redis call failed since the last sync, or
// leases taken without Redis wait to be registered; Acquire calls it
// once try let it reach Redis.
func (l *Leases) syncIfStale(ctx context.Context) error {
	l.mu.Lock()
	stale := len(l.local) > 0 || l.synced.Load() != l.c.redisErrors.Load()
	l.mu.Unlock()
	if !stale {
		return nil
	}
	return l.sync(ctx)
}

// sync pushes the expiry of every lease held, re-adding those Redis lost,
// and registers in Redis the leases taken while it was down: once Redis
// answers again, the connections opened meanwhile count against the
// shared limit, so that no node opens more while the fleet is over it.
// Those become held only when Redis took them: a failed round trip leaves
// them local, for the next call to register. It holds mu for its one
// round trip (see Leases.mu).
func (l *Leases) sync(ctx context.Context) error {
	errs := l.c.redisErrors.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	byKey := map[string][]any{}
	for ls := range l.held {
		byKey[ls.key] = append(byKey[ls.key], ls.id)
	}
	for ls := range l.local {
		byKey[ls.key] = append(byKey[ls.key], ls.id)
	}
	if len(byKey) > 0 {
		pipe := l.c.rdb.Pipeline()
		for key, ids := range byKey {
			// EVAL, not EVALSHA: a pipeline cannot fall back on NOSCRIPT.
			renewScript.Eval(ctx, pipe, []string{key}, append([]any{l.ttl.Milliseconds()}, ids...)...)
		}
		if _, err := pipe.Exec(ctx); l.c.observe(err) != nil {
			return fmt.Errorf("fleet: renew leases: %w", err)
		}
	}
	for ls := range l.local {
		delete(l.local, ls)
		decr(l.localN, ls.name)
		ls.local = false
		l.held[ls] = struct{}{}
		l.heldN[ls.name]++
	}
	l.synced.Store(errs)
	return nil
}

// decr takes one from m[k], dropping the key at zero.
func decr(m map[string]int, k string) {
	if m[k]--; m[k] <= 0 {
		delete(m, k)
	}
}
