package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/queue"
)

// Erasure across a fleet (GDPR Art. 17): an operator's erasure of one
// recipient at any node runs at every node, and a node that was down runs
// it when it comes back. Each node erases its own stores (spool, events,
// webhook outbox: admin.Erase); what travels is the request.
//
//	<prefix>erase:log         stream of requests: r (request id), t (tenant), a (address), n (node), at (unix ns)
//	<prefix>erase:acks:<id>   set of the nodes that applied log entry <id>
//	<prefix>erase:members     hash: node id → when it last followed the log (unix ms, Redis's clock)
//
// The request carries the address in clear: a node can find what it
// holds about a person only by the address (its spool's keyed hash is
// keyed per spool, so no other node could match a hash). So the entry
// lives only as long as it is needed: once every member has applied it,
// the node that applied it last deletes it (XDEL) and its acks. A member
// that has not followed the log for Retention (default 30 days) stops
// counting, and entries older than Retention are deleted whatever the
// acks: a node down longer than that misses them (it logs so when it
// returns). Publishing also deletes the address's suppression from the
// fleet's hash (supp:all) and its entries from the suppression log, so
// that no resync brings the address back in clear; every node keeps its
// own hashed suppression (queue.Store.EraseSubject).
//
// Durable on both sides: the node that makes a request records it as
// applied and pending in its spool in one write (MarkFleetErased); a
// pending request is pushed when Redis answers. A follower records each
// request it applies with its cursor, by id, so that an emptied Redis or
// a replayed entry never runs a request twice, and a request made while
// Redis was down is not lost. Redis emptied while a request was in it,
// not yet applied by a node that was down: that node misses it (the
// request is gone with the data; the nodes that applied it keep their
// record).

// EraseStore is the spool as the EraseFollower uses it; *queue.Store
// implements it.
type EraseStore interface {
	FleetEraseCursor() (string, error)
	FleetErased(id string) (bool, error)
	MarkFleetErased(ctx context.Context, e queue.FleetErase, cursor string, pending bool) error
	SetFleetEraseCursor(ctx context.Context, cursor string) error
	FleetErasePending() ([]queue.FleetErase, error)
	FleetErasePushed(ctx context.Context, id string) error
}

var _ EraseStore = (*queue.Store)(nil)

// EraseFunc erases what this node holds about tenant's addr (admin.Erase
// over the node's stores). It must be idempotent: a request may be
// applied again after a crash.
type EraseFunc func(ctx context.Context, tenant, addr string) error

// EraseOptions tune an EraseFollower; zero values take the defaults.
type EraseOptions struct {
	// Retention bounds how long a request stays in Redis for a member
	// that does not follow, default 30 days.
	Retention time.Duration
	// Block is how long one read waits for new entries, default 2 s;
	// RetryDelay the pause after a failure, default 500 ms.
	Block, RetryDelay time.Duration
}

// EraseFollower publishes this node's erasure requests and applies the
// fleet's.
type EraseFollower struct {
	c     *Client
	st    EraseStore
	erase EraseFunc
	o     EraseOptions

	keyLog, keyMembers, keySuppHash, keySuppLog string

	mu   sync.Mutex // one push of the pending requests at a time
	kick chan struct{}

	applied, published, badEntries, deleted atomic.Uint64
}

// EraseFollower returns the erasure follower of st, applying requests
// with erase.
func (c *Client) EraseFollower(st EraseStore, erase EraseFunc, o EraseOptions) *EraseFollower {
	if o.Retention <= 0 {
		o.Retention = 30 * 24 * time.Hour
	}
	if o.Block <= 0 {
		o.Block = 2 * time.Second
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 500 * time.Millisecond
	}
	return &EraseFollower{c: c, st: st, erase: erase, o: o, kick: make(chan struct{}, 1),
		keyLog: c.key("erase", "log"), keyMembers: c.key("erase", "members"),
		keySuppHash: c.key("supp", "all"), keySuppLog: c.key("supp", "log")}
}

func (f *EraseFollower) ackKey(entry string) string { return f.c.key("erase", "acks", entry) }

// Publish hands an erasure already done at this node to the fleet: it
// records the request durably (applied here, pending), then pushes it.
// It answers whether Redis took it now (false: it waits in the spool and
// is pushed when Redis answers). An error means the local record failed.
func (f *EraseFollower) Publish(ctx context.Context, tenant, addr string) (pushed bool, err error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:]) // never fails (crypto/rand)
	e := queue.FleetErase{ID: f.c.opts.NodeID + "-" + hex.EncodeToString(rnd[:]), Tenant: tenant,
		Addr: queue.NormalizeAddr(addr), At: f.c.opts.Now()}
	if err := f.st.MarkFleetErased(ctx, e, "", true); err != nil {
		return false, fmt.Errorf("fleet: erasure: %w", err)
	}
	if err := f.pushPending(ctx); err != nil {
		f.wake()
		return false, nil
	}
	return true, nil
}

func (f *EraseFollower) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// pushPending pushes the requests made here and not yet in Redis.
func (f *EraseFollower) pushPending(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	pend, err := f.st.FleetErasePending()
	if err != nil {
		return localError{err}
	}
	for _, e := range pend {
		if !f.c.try() {
			return errDegradedR
		}
		fld := field(e.Tenant, e.Addr)
		err := erasePublishScript.Run(ctx, f.c.rdb, []string{f.keyLog, f.keySuppHash},
			e.ID, e.Tenant, e.Addr, f.c.opts.NodeID, e.At.UnixNano(), fld).Err()
		if err := f.c.observe(err); err != nil {
			return fmt.Errorf("fleet: push erasure: %w", err)
		}
		f.published.Add(1)
		f.forgetSuppLog(ctx, fld, "-")
		if err := f.st.FleetErasePushed(ctx, e.ID); err != nil {
			return localError{err}
		}
	}
	return nil
}

// forgetSuppLog deletes the suppression log's entries for field (the
// address in clear) from start on, best effort: a page of XRANGE per
// round trip.
func (f *EraseFollower) forgetSuppLog(ctx context.Context, fld, start string) {
	for {
		msgs, err := f.c.rdb.XRangeN(ctx, f.keySuppLog, start, "+", 1000).Result()
		if f.c.observe(err) != nil || len(msgs) == 0 {
			return
		}
		var ids []string
		for _, m := range msgs {
			if v, _ := m.Values["f"].(string); v == fld {
				ids = append(ids, m.ID)
			}
		}
		if len(ids) > 0 && f.c.observe(f.c.rdb.XDel(ctx, f.keySuppLog, ids...).Err()) != nil {
			return
		}
		if len(msgs) < 1000 {
			return
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// Run follows the fleet's erasure requests until ctx ends: push the
// pending ones, read the log from the node's cursor, apply, acknowledge,
// delete what every member applied. Redis failures and failed erasures
// only delay it (the entry is tried again); a failure of the spool's own
// records ends it.
func (f *EraseFollower) Run(ctx context.Context) error {
	cur, err := f.st.FleetEraseCursor()
	if err != nil {
		return fmt.Errorf("fleet: erase cursor: %w", err)
	}
	if cur == "" {
		cur = "0"
	}
	joined := false
	for ctx.Err() == nil {
		err := f.step(ctx, &cur, &joined)
		if err == nil || ctx.Err() != nil {
			continue
		}
		var local localError
		if errors.As(err, &local) {
			return err
		}
		if !errors.Is(err, errDegradedR) {
			f.c.log.Debug("fleet: erasure follower step failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-f.kick:
		case <-time.After(f.o.RetryDelay):
		}
	}
	return nil
}

func (f *EraseFollower) step(ctx context.Context, cur *string, joined *bool) error {
	if !f.c.try() {
		return errDegradedR
	}
	if err := f.pushPending(ctx); err != nil {
		return err
	}
	was, err := eraseMemberScript.Run(ctx, f.c.rdb, []string{f.keyMembers, f.keyLog},
		f.c.opts.NodeID, f.o.Retention.Milliseconds()).Int64()
	if err := f.c.observe(err); err != nil {
		return fmt.Errorf("fleet: erase member: %w", err)
	}
	if !*joined && was == 0 && *cur != "0" {
		f.c.log.Warn("fleet: this node was not a member of the erasure log (away longer than the retention, or Redis lost its data): erasures made meanwhile may not have reached it",
			"cursor", *cur)
	}
	*joined = true
	res, err := f.c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{f.keyLog, *cur}, Count: 100, Block: f.o.Block}).Result()
	if errors.Is(err, redis.Nil) {
		f.c.observe(nil)
		return nil
	}
	if err := f.c.observe(err); err != nil {
		return fmt.Errorf("fleet: read erasure log: %w", err)
	}
	for _, st := range res {
		for _, m := range st.Messages {
			if err := f.apply(ctx, m); err != nil {
				return err
			}
			*cur = m.ID
		}
	}
	return nil
}

// apply runs one request of the log (unless it was applied here
// already), records it with the cursor, and acknowledges it.
func (f *EraseFollower) apply(ctx context.Context, m redis.XMessage) error {
	e, ok := decodeErase(m.Values)
	if !ok {
		f.badEntries.Add(1)
		if err := f.st.SetFleetEraseCursor(ctx, m.ID); err != nil {
			return localError{err}
		}
		return f.ack(ctx, m.ID)
	}
	done, err := f.st.FleetErased(e.ID)
	if err != nil {
		return localError{err}
	}
	if !done {
		if err := f.erase(ctx, e.Tenant, e.Addr); err != nil {
			// Tried again after RetryDelay, from the same entry: the stores
			// may answer then (a full disk, a busy events store).
			f.c.log.Warn("fleet: applying an erasure request failed: retrying", "request", e.ID, "tenant", e.Tenant, "err", err)
			return fmt.Errorf("fleet: apply erasure %s: %w", e.ID, err)
		}
		f.applied.Add(1)
		if err := f.st.MarkFleetErased(ctx, e, m.ID, false); err != nil {
			return localError{err}
		}
		// This node may have pushed the address's suppression after the
		// request was published (its outbox, from before it applied it):
		// take it out again, from the hash and from the log since then —
		// "then" on Redis's clock (the request's own stream id), not the
		// publishing node's, which may run ahead or behind.
		fld := field(e.Tenant, queue.NormalizeAddr(e.Addr))
		if f.c.observe(f.c.rdb.HDel(ctx, f.keySuppHash, fld).Err()) == nil {
			since, _, _ := strings.Cut(m.ID, "-")
			f.forgetSuppLog(ctx, fld, since)
		}
	} else if err := f.st.SetFleetEraseCursor(ctx, m.ID); err != nil {
		return localError{err}
	}
	return f.ack(ctx, m.ID)
}

// ack records this node's application of entry; the script deletes the
// entry once every member has.
func (f *EraseFollower) ack(ctx context.Context, entry string) error {
	n, err := eraseAckScript.Run(ctx, f.c.rdb, []string{f.keyLog, f.ackKey(entry), f.keyMembers},
		entry, f.c.opts.NodeID, f.o.Retention.Milliseconds()).Int64()
	if err := f.c.observe(err); err != nil {
		return fmt.Errorf("fleet: acknowledge erasure: %w", err)
	}
	f.deleted.Add(uint64(n))
	return nil
}

// decodeErase checks a log entry: hostile or corrupt values are refused.
func decodeErase(v map[string]any) (queue.FleetErase, bool) {
	id, _ := v["r"].(string)
	t, _ := v["t"].(string)
	a, _ := v["a"].(string)
	at, _ := v["at"].(string)
	ns, err := strconv.ParseInt(at, 10, 64)
	if id == "" || len(id) > 256 || t == "" || len(t) > 256 || strings.ContainsRune(t, 0) ||
		len(a) > 1024 || !strings.Contains(a, "@") || strings.ContainsAny(a, "\x00\r\n") || err != nil {
		return queue.FleetErase{}, false
	}
	return queue.FleetErase{ID: id, Tenant: t, Addr: a, At: time.Unix(0, ns)}, true
}

// EraseStats are the follower's counters.
type EraseStats struct {
	Published, Applied, Deleted, BadEntries uint64
}

// Stats returns the counters.
func (f *EraseFollower) Stats() EraseStats {
	return EraseStats{Published: f.published.Load(), Applied: f.applied.Load(), Deleted: f.deleted.Load(),
		BadEntries: f.badEntries.Load()}
}

// erasePublishScript: KEYS log, supp hash; ARGV id, tenant, addr, node,
// at, supp field. Deletes the suppression in clear from the fleet's hash
// and logs the request.
var erasePublishScript = redis.NewScript(`
redis.call('HDEL', KEYS[2], ARGV[6])
return redis.call('XADD', KEYS[1], '*', 'r', ARGV[1], 't', ARGV[2], 'a', ARGV[3], 'n', ARGV[4], 'at', ARGV[5])
`)

// eraseMemberScript: KEYS members, log; ARGV node, retention ms. Marks the
// node as following now (Redis's clock), drops members silent for the
// retention, deletes entries older than it; returns 1 if the node was a
// member already.
var eraseMemberScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cut = now - tonumber(ARGV[2])
local was = redis.call('HEXISTS', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], now)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i+1]) < cut then redis.call('HDEL', KEYS[1], all[i]) end
end
local old = redis.call('XRANGE', KEYS[2], '-', tostring(cut - 1), 'COUNT', 100)
for _, e in ipairs(old) do
  redis.call('XDEL', KEYS[2], e[1])
end
return was
`)

// eraseAckScript: KEYS log, acks, members; ARGV entry, node, retention ms.
// Adds the node to the entry's acks; when every member that followed
// within the retention has acknowledged, deletes the entry and its acks
// and returns 1.
var eraseAckScript = redis.NewScript(`
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local t = redis.call('TIME')
local cut = tonumber(t[1]) * 1000 - tonumber(ARGV[3])
local all = redis.call('HGETALL', KEYS[3])
for i = 1, #all, 2 do
  if tonumber(all[i+1]) >= cut and redis.call('SISMEMBER', KEYS[2], all[i]) == 0 then return 0 end
end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1
`)
