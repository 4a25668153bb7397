package fleet

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/queue"
)

// ReturnStore is what a spool adds for returns received at one node about
// a message another node sent (see queue/fleet_returns.go): the outbox of
// those to hand over, and the inbox that takes those handed to this node
// (pinned: attributed there or logged unattributed, never handed on).
// *queue.Store implements it; a LocalStore without it relays nothing.
type ReturnStore interface {
	NodeNumber() int
	FleetReturns(limit int) ([]queue.FleetReturn, error)
	FleetReturnDone(ctx context.Context, seq uint64) error
	KeepFleetReturn(ctx context.Context, seq uint64) (bool, error)
	AddHandedReturn(ctx context.Context, r *queue.Return) error
}

var _ ReturnStore = (*queue.Store)(nil)

// returnsPoll is how often relayReturns looks at the outbox and at this
// node's list in Redis.
const returnsPoll = 200 * time.Millisecond

// returnsKeep is how long a node's list of returns handed to it lives in
// Redis after the last one was pushed: a node away longer (or retired
// without releasing its number) loses them, and Redis does not keep them
// for no one.
const returnsKeep = 7 * 24 * time.Hour

// defaultMaxHandedReturns is ReplicatorOptions.MaxHandedReturns' default.
const defaultMaxHandedReturns = 50_000

// returnPushScript: KEYS the node's claim (nodenum:<n>), its returns list;
// ARGV the return, the list's lifetime in ms, the list's bound. Pushes the
// return when a node holds that number and its list has room and returns
// 1, else returns 0 (no such node: a forged or stale message id named it)
// or 2 (the list is full).
var returnPushScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[3]) then return 2 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`)

// SetOnReturn sets f, called (in the relay's goroutine, so it must not
// block) after returns handed to this node were stored in its inbox: the
// returns worker's Kick, so that they do not wait for its next tick.
func (r *Replicator) SetOnReturn(f func()) { r.onReturn.Store(&f) }

// relayReturns hands the spool's forwarded returns to their sender nodes
// (RPUSH to the Redis list returns:<node number>) and moves the ones
// handed to this node into its inbox, where the returns worker processes
// them, until ctx ends. Each side removes its copy only after the next
// one is durable (Redis, then the inbox): a crash between the two hands a
// return over twice, which the worker's idempotent suppressions absorb;
// a Redis that loses its data (restart without persistence) loses the
// returns waiting in it, which is the one window where a return goes
// unattributed. While Redis is down the outbox keeps them.
func (r *Replicator) relayReturns(ctx context.Context) {
	rs, ok := r.st.(ReturnStore)
	if !ok || rs.NodeNumber() == 0 {
		return
	}
	mine := r.c.key("returns", strconv.Itoa(rs.NodeNumber()))
	t := time.NewTicker(returnsPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !r.c.try() {
			continue
		}
		if err := r.pushReturns(ctx, rs); err != nil {
			r.c.log.Warn("fleet: handing returns to their nodes", "err", err)
			continue
		}
		if err := r.pullReturns(ctx, rs, mine); err != nil {
			r.c.log.Warn("fleet: taking returns handed to this node", "err", err)
		}
	}
}

// pushReturns sends the outbox's returns to their nodes' lists.
func (r *Replicator) pushReturns(ctx context.Context, rs ReturnStore) error {
	out, err := rs.FleetReturns(64)
	if err != nil {
		return err
	}
	kept := false
	limit := r.o.MaxHandedReturns
	if limit <= 0 {
		limit = defaultMaxHandedReturns
	}
	for _, fr := range out {
		n := strconv.Itoa(fr.Node)
		res, err := returnPushScript.Run(ctx, r.c.rdb, []string{r.c.key("nodenum", n), r.c.key("returns", n)},
			queue.EncodeReturn(&fr.Return), returnsKeep.Milliseconds(), limit).Int()
		if err := r.c.observe(err); err != nil {
			return err
		}
		if res != 1 {
			// No node holds that number, or its list is full: this node
			// logs the return unattributed (pinned, so it is not handed
			// over again).
			if _, err := rs.KeepFleetReturn(ctx, fr.Seq); err != nil {
				return err
			}
			kept = true
			why := "return names a node number no node holds"
			if res == 2 {
				why = "returns waiting for that node are at their bound"
			}
			r.c.log.Warn("fleet: "+why+": kept here, unattributed", "node_number", fr.Node,
				"rcpt_domain", domainOf(fr.Return.Rcpt))
			continue
		}
		if err := rs.FleetReturnDone(ctx, fr.Seq); err != nil {
			return err
		}
		r.c.log.Info("fleet: return handed to the node that sent its message", "node_number", fr.Node, "rcpt_domain", domainOf(fr.Return.Rcpt))
	}
	if kept {
		r.returned()
	}
	return nil
}

// returned tells the hook set by SetOnReturn that the inbox took returns.
func (r *Replicator) returned() {
	if f := r.onReturn.Load(); f != nil && *f != nil {
		(*f)()
	}
}

// pullReturns moves the returns handed to this node into its inbox.
func (r *Replicator) pullReturns(ctx context.Context, rs ReturnStore, key string) error {
	vals, err := r.c.rdb.LRange(ctx, key, 0, 63).Result()
	if r.c.observe(err) != nil || len(vals) == 0 {
		return err
	}
	for _, v := range vals {
		ret, err := queue.DecodeReturn([]byte(v))
		if err != nil {
			r.badEntries.Add(1)
			continue // not ours to mend; trimmed below
		}
		if err := rs.AddHandedReturn(ctx, &ret); err != nil {
			return err
		}
	}
	r.returned()
	return r.c.observe(r.c.rdb.LTrim(ctx, key, int64(len(vals)), -1).Err())
}

// domainOf is the domain of an address, for logs (the local part of a
// VERP address is a token).
func domainOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i+1:]
		}
	}
	return ""
}
