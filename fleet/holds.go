package fleet

import (
	"context"
	"encoding/json"
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

// Holds across a fleet: a domain, tenant, pool, site, message or stream
// hold set or lifted at any node (an operator's `ctl queue suspend`, the
// reputation guard's pause of a tenant's marketing) holds or releases
// mail at every node within a second. It is the suppressions' design
// (Replicator) at a smaller scale:
//
//	<prefix>holds:all    hash: "kind:name" → since (20 digits, unix ns) + JSON {b, r, u},
//	                     or the time of its lifting alone (20 digits): a tombstone
//	<prefix>holds:log    stream of changes: op (s set, d lift, r re-seed), f, v, n (node)
//	<prefix>holds:epoch  random name of the data set
//
// The spool writes each change to its hold outbox in the transaction
// that makes it (queue/holds_fleet.go), so a change made while Redis is
// down, or before a crash, is pushed later. Run follows the log from the
// node's durable cursor, so a node that was down applies what it missed
// when it starts; a cursor trimmed away, or another epoch, means a full
// read of the hash, whose every field is the key's last change (a lift
// leaves a tombstone; a local hold missing from the hash stays, the side
// that sends nothing by mistake). A node re-seeds the hash with its holds
// and its lifts not yet pushed when it joins or finds Redis emptied: of a
// key's set and lift, the later (by the times the nodes wrote) wins, so a
// node that missed a lift cannot bring the hold back.
//
// Unlike suppressions, entries are applied in log order including the
// node's own (a hold's last change wins, and the log orders them), while a
// hold with a change of this node's still in the outbox is left alone
// (that change goes after). Applying never writes the outbox: no echo. A
// hold's end (Until) travels with it, and every node's Lifter lifts it on
// that node's clock: expiry is never a logged change.

// HoldStore is the spool as the HoldReplicator uses it; *queue.Store
// implements it.
type HoldStore interface {
	FleetHolds() ([]queue.Hold, error)
	ApplyFleetHolds(ctx context.Context, changes []queue.HoldChange) error
	FleetHoldOutbox(limit int) ([]queue.HoldChange, error)
	FleetHoldOutboxSeq() (uint64, error)
	FleetHoldOutboxDone(ctx context.Context, seq uint64) error
	FleetHoldCursor() (queue.FleetCursor, error)
	SetFleetHoldCursor(ctx context.Context, cur queue.FleetCursor) error
}

var _ HoldStore = (*queue.Store)(nil)

// HoldReplicator keeps the node's holds and the fleet's the same.
type HoldReplicator struct {
	c  *Client
	st HoldStore
	o  ReplicatorOptions

	keyEpoch, keyHash, keyLog string

	flushMu sync.Mutex
	epoch   atomic.Pointer[string]
	kick    chan struct{}
	seenSeq atomic.Uint64

	resyncs, reseeds, applied, badEntries atomic.Uint64
}

// HoldReplicator returns the hold replicator of st. o as for Replicator;
// MaxLen defaults to 100,000 here (holds change seldom).
func (c *Client) HoldReplicator(st HoldStore, o ReplicatorOptions) *HoldReplicator {
	if o.MaxLen <= 0 {
		o.MaxLen = 100_000
	}
	if o.Block <= 0 {
		o.Block = 2 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 500 * time.Millisecond
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	r := &HoldReplicator{c: c, st: st, o: o, kick: make(chan struct{}, 1),
		keyEpoch: c.key("holds", "epoch"), keyHash: c.key("holds", "all"), keyLog: c.key("holds", "log")}
	empty := ""
	r.epoch.Store(&empty)
	return r
}

// Kick pushes the hold outbox now, best effort; Run pushes within Poll
// anyway.
func (r *HoldReplicator) Kick(ctx context.Context) { r.push(ctx) }

func (r *HoldReplicator) push(ctx context.Context) {
	if !r.c.Healthy() || !r.flushMu.TryLock() {
		r.wake()
		return
	}
	defer r.flushMu.Unlock()
	if err := r.flushLocked(ctx); err != nil {
		r.wake()
	}
}

func (r *HoldReplicator) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// watch pushes changes the spool wrote to the outbox, within Poll.
func (r *HoldReplicator) watch(ctx context.Context) {
	t := time.NewTicker(r.o.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if seq, err := r.st.FleetHoldOutboxSeq(); err == nil && seq != r.seenSeq.Load() {
				r.seenSeq.Store(seq)
				r.push(ctx)
			}
		}
	}
}

// flushLocked pushes the outbox in order, a batch per script call, and
// removes what Redis took. Pushing twice (a crash before the removal) only
// logs a change twice.
func (r *HoldReplicator) flushLocked(ctx context.Context) error {
	for {
		changes, err := r.st.FleetHoldOutbox(r.o.Batch)
		if err != nil || len(changes) == 0 {
			return err
		}
		epoch := *r.epoch.Load()
		if epoch == "" {
			return errNoEpoch
		}
		if err := r.publish(ctx, epoch, changes); err != nil {
			return err
		}
		if err := r.st.FleetHoldOutboxDone(ctx, changes[len(changes)-1].Seq); err != nil {
			return localError{err}
		}
	}
}

// publish writes changes to the hash and the log in one script call.
func (r *HoldReplicator) publish(ctx context.Context, epoch string, changes []queue.HoldChange) error {
	args := make([]any, 0, 3+3*len(changes))
	args = append(args, epoch, r.o.MaxLen, r.c.opts.NodeID)
	for _, ch := range changes {
		f := ch.Hold.Kind + ":" + ch.Hold.Name
		if ch.Lift {
			args = append(args, opLift, f, encodeLift(ch.Hold.Since))
		} else {
			args = append(args, opSuppress, f, encodeHold(ch.Hold))
		}
	}
	res, err := holdsPublishScript.Run(ctx, r.c.rdb, []string{r.keyEpoch, r.keyHash, r.keyLog}, args...).Result()
	if err := r.c.observe(err); err != nil {
		return fmt.Errorf("fleet: push holds: %w", err)
	}
	if n, ok := res.(int64); ok && n == 0 {
		return errNoEpoch
	}
	return nil
}

// Run follows the fleet's hold log until ctx ends, like Replicator.Run:
// reconcile (re-seed, resync), push the outbox, read and apply new
// entries. Redis failures only delay it; a failure of the spool ends it.
func (r *HoldReplicator) Run(ctx context.Context) error {
	cur, err := r.st.FleetHoldCursor()
	if err != nil {
		return err
	}
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.watch(wctx) }()
	defer wg.Wait()
	defer stop()
	for ctx.Err() == nil {
		err := r.step(ctx, &cur)
		if err == nil || ctx.Err() != nil {
			continue
		}
		var local localError
		if errors.As(err, &local) {
			return err
		}
		if !errors.Is(err, errDegradedR) {
			r.c.log.Debug("fleet: hold replicator step failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-r.kick:
		case <-time.After(r.o.RetryDelay):
		}
	}
	return nil
}

func (r *HoldReplicator) step(ctx context.Context, cur *queue.FleetCursor) error {
	if !r.c.try() {
		return errDegradedR
	}
	pipe := r.c.rdb.Pipeline()
	ge := pipe.Get(ctx, r.keyEpoch)
	xi := pipe.XInfoStream(ctx, r.keyLog)
	_, _ = pipe.Exec(ctx)
	epoch, err := ge.Result()
	if err := r.c.observe(err); err != nil {
		return fmt.Errorf("fleet: read hold epoch: %w", err)
	}
	info, err := xi.Result()
	if err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("fleet: read hold log: %w", r.c.observe(err))
	}
	if err != nil {
		info = nil
	}
	switch {
	case epoch == "" || epoch != cur.Epoch:
		if err := r.reconcile(ctx, epoch, cur); err != nil {
			return err
		}
	case (*Replicator)(nil).gap(info, cur.ID): // gap reads only its arguments
		r.c.log.Warn("fleet: hold log trimmed past this node's cursor: full resync", "cursor", cur.ID)
		if err := r.resync(ctx, epoch, cur); err != nil {
			return err
		}
	}
	e := cur.Epoch
	r.epoch.Store(&e)
	r.push(ctx)
	return r.follow(ctx, cur)
}

// reconcile brings a node whose cursor belongs to another epoch (or to
// none) in line: it re-seeds the hash with its holds and the lifts in its
// outbox (the later of a key's set and lift wins), creates the epoch when
// missing, drops the outbox the re-seed covered, tells the other nodes to
// rescan if it changed anything, and resyncs.
func (r *HoldReplicator) reconcile(ctx context.Context, epoch string, cur *queue.FleetCursor) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if epoch == "" {
		r.c.log.Warn("fleet: redis holds no hold epoch (new or emptied): re-seeding it from the local holds")
	}
	seq, err := r.st.FleetHoldOutboxSeq()
	if err != nil {
		return localError{err}
	}
	added, covered, err := r.reseed(ctx, seq)
	if err != nil {
		return err
	}
	if epoch == "" {
		if err := r.c.observe(r.c.rdb.SetNX(ctx, r.keyEpoch, randomEpoch(), 0).Err()); err != nil {
			return fmt.Errorf("fleet: create hold epoch: %w", err)
		}
		if epoch, err = r.c.rdb.Get(ctx, r.keyEpoch).Result(); r.c.observe(err) != nil || epoch == "" {
			return fmt.Errorf("fleet: read hold epoch: %w", err)
		}
	}
	if covered > 0 {
		if err := r.st.FleetHoldOutboxDone(ctx, covered); err != nil {
			return localError{err}
		}
	}
	if added > 0 {
		res, err := holdsPublishScript.Run(ctx, r.c.rdb, []string{r.keyEpoch, r.keyHash, r.keyLog},
			epoch, r.o.MaxLen, r.c.opts.NodeID, opReseed, "", "").Result()
		if err := r.c.observe(err); err != nil {
			return fmt.Errorf("fleet: announce hold re-seed: %w", err)
		}
		if n, ok := res.(int64); ok && n == 0 {
			return errNoEpoch
		}
	}
	return r.resyncLocked(ctx, epoch, cur)
}

// reseed writes the node's holds, and the lifts in its outbox up to seq,
// into the hash where they are later than what it holds, and returns how
// many fields it changed and the last outbox change it covered.
func (r *HoldReplicator) reseed(ctx context.Context, seq uint64) (added int64, covered uint64, err error) {
	local, err := r.st.FleetHolds()
	if err != nil {
		return 0, 0, localError{err}
	}
	var args []any
	for _, h := range local {
		args = append(args, h.Kind+":"+h.Name, encodeHold(h))
	}
	// The outbox's sets are in the local holds already. Beyond maxSeeded
	// (an outbox that long is not met in practice) changes stay in the
	// outbox and are pushed in order.
	changes, err := r.st.FleetHoldOutbox(maxSeeded)
	if err != nil {
		return 0, 0, localError{err}
	}
	for _, ch := range changes {
		if ch.Seq > seq {
			break
		}
		covered = ch.Seq
		if ch.Lift {
			args = append(args, ch.Hold.Kind+":"+ch.Hold.Name, encodeLift(ch.Hold.Since))
		}
	}
	if len(args) == 0 {
		return 0, covered, nil
	}
	added, err = holdsSeedScript.Run(ctx, r.c.rdb, []string{r.keyHash}, args...).Int64()
	if err := r.c.observe(err); err != nil {
		return 0, 0, fmt.Errorf("fleet: re-seed holds: %w", err)
	}
	r.reseeds.Add(1)
	return added, covered, nil
}

// maxSeeded bounds the outbox changes one re-seed reads.
const maxSeeded = 100_000

func (r *HoldReplicator) resync(ctx context.Context, epoch string, cur *queue.FleetCursor) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	return r.resyncLocked(ctx, epoch, cur)
}

// resyncLocked reads the whole hash (holds are few) after noting the log's
// last id, so that what changes meanwhile is read from the log after.
func (r *HoldReplicator) resyncLocked(ctx context.Context, epoch string, cur *queue.FleetCursor) error {
	last := "0-0"
	info, err := r.c.rdb.XInfoStream(ctx, r.keyLog).Result()
	switch {
	case err == nil:
		last = info.LastGeneratedID
	case isNoSuchKey(err):
	default:
		return fmt.Errorf("fleet: hold resync: %w", r.c.observe(err))
	}
	all, err := r.c.rdb.HGetAll(ctx, r.keyHash).Result()
	if err := r.c.observe(err); err != nil {
		return fmt.Errorf("fleet: hold resync: %w", err)
	}
	changes := make([]queue.HoldChange, 0, len(all))
	held := 0
	for f, v := range all {
		ch, err := decodeEntry(f, v)
		if err != nil {
			r.badEntries.Add(1)
			continue
		}
		if !ch.Lift {
			held++
		}
		changes = append(changes, ch)
	}
	if err := r.st.ApplyFleetHolds(ctx, changes); err != nil {
		return localError{err}
	}
	nc := queue.FleetCursor{Epoch: epoch, ID: last}
	if err := r.st.SetFleetHoldCursor(ctx, nc); err != nil {
		return localError{err}
	}
	*cur = nc
	r.resyncs.Add(1)
	r.c.log.Info("fleet: holds resynced from redis", "epoch", epoch, "cursor", last, "holds", held)
	return nil
}

// follow reads one batch of the log after the cursor (waiting up to
// Block), applies it and moves the cursor.
func (r *HoldReplicator) follow(ctx context.Context, cur *queue.FleetCursor) error {
	res, err := r.c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{r.keyLog, cur.ID},
		Count: int64(r.o.Batch), Block: r.o.Block}).Result()
	if errors.Is(err, redis.Nil) {
		r.c.observe(nil)
		return nil
	}
	if err := r.c.observe(err); err != nil {
		return fmt.Errorf("fleet: read hold log: %w", err)
	}
	for _, st := range res {
		if len(st.Messages) == 0 {
			continue
		}
		changes, rescan := r.decodeLog(st.Messages)
		if err := r.st.ApplyFleetHolds(ctx, changes); err != nil {
			return localError{err}
		}
		r.applied.Add(uint64(len(changes)))
		nc := queue.FleetCursor{Epoch: cur.Epoch, ID: st.Messages[len(st.Messages)-1].ID}
		if err := r.st.SetFleetHoldCursor(ctx, nc); err != nil {
			return localError{err}
		}
		*cur = nc
		if rescan {
			if err := r.resync(ctx, cur.Epoch, cur); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeLog turns log entries into changes, in order, the node's own
// included; rescan reports a re-seed by another node.
func (r *HoldReplicator) decodeLog(msgs []redis.XMessage) (changes []queue.HoldChange, rescan bool) {
	for _, m := range msgs {
		op, _ := m.Values["op"].(string)
		f, _ := m.Values["f"].(string)
		v, _ := m.Values["v"].(string)
		switch op {
		case opSuppress, opLift:
			ch, err := decodeEntry(f, v)
			if err != nil || ch.Lift != (op == opLift) {
				r.badEntries.Add(1)
				continue
			}
			changes = append(changes, ch)
		case opReseed:
			node, _ := m.Values["n"].(string)
			rescan = rescan || node != r.c.opts.NodeID
		default:
			r.badEntries.Add(1)
		}
	}
	return changes, rescan
}

// HoldReplicatorStats are the hold replicator's counters, for metrics.
type HoldReplicatorStats struct {
	Resyncs, Reseeds, Applied, BadEntries uint64
}

// Stats returns the counters.
func (r *HoldReplicator) Stats() HoldReplicatorStats {
	return HoldReplicatorStats{Resyncs: r.resyncs.Load(), Reseeds: r.reseeds.Load(),
		Applied: r.applied.Load(), BadEntries: r.badEntries.Load()}
}

// wireHold is a hold's value in Redis after its 20-digit since.
type wireHold struct {
	By     string `json:"b,omitempty"`
	Reason string `json:"r,omitempty"`
	Until  int64  `json:"u,omitempty"` // unix ns; 0: until resumed
}

// encodeHold is h's value in the hash: since first, fixed width, so that
// the seed script keeps the most recent of two nodes' without JSON.
func encodeHold(h queue.Hold) string {
	w := wireHold{By: h.By, Reason: h.Reason}
	if !h.Until.IsZero() {
		w.Until = h.Until.UnixNano()
	}
	b, _ := json.Marshal(w) // cannot fail: strings and an int
	return fmt.Sprintf("%020d", max(0, h.Since.UnixNano())) + string(b)
}

// encodeLift is the tombstone a lift at t leaves in the hash.
func encodeLift(t time.Time) string { return fmt.Sprintf("%020d", max(0, t.UnixNano())) }

// decodeEntry parses a field and value from Redis: a hold, or a lift (a
// tombstone: the time alone). Anything malformed or out of bounds is
// refused.
func decodeEntry(f, v string) (queue.HoldChange, error) {
	if len(v) == 20 {
		kind, name, _ := strings.Cut(f, ":")
		at, err := parseSince(v)
		h := queue.Hold{Kind: kind, Name: name, Since: time.Unix(0, at)}
		if err != nil || len(f) > 1024 || queue.CheckFleetHold(h) != nil {
			return queue.HoldChange{}, errBadEntry
		}
		return queue.HoldChange{Lift: true, Hold: h}, nil
	}
	h, err := decodeHold(f, v)
	return queue.HoldChange{Hold: h}, err
}

func parseSince(v string) (int64, error) {
	n, err := strconv.ParseInt(v[:20], 10, 64)
	if err != nil || n < 0 || v[0] == '+' {
		return 0, errBadEntry
	}
	return n, nil
}

// decodeHold parses a hold's field and value from Redis; anything
// malformed or out of bounds is refused.
func decodeHold(f, v string) (queue.Hold, error) {
	var h queue.Hold
	kind, name, ok := strings.Cut(f, ":")
	if !ok || len(f) > 1024 || len(v) < 22 || len(v) > maxWireValue {
		return h, errBadEntry
	}
	since, err := parseSince(v)
	if err != nil {
		return h, errBadEntry
	}
	var w wireHold
	if err := json.Unmarshal([]byte(v[20:]), &w); err != nil || w.Until < 0 {
		return h, errBadEntry
	}
	h = queue.Hold{Kind: kind, Name: name, By: w.By, Reason: w.Reason, Since: time.Unix(0, since)}
	if w.Until > 0 {
		h.Until = time.Unix(0, w.Until)
	}
	if queue.CheckFleetHold(h) != nil {
		return queue.Hold{}, errBadEntry
	}
	return h, nil
}

// holdsPublishScript: KEYS epoch, hash, log; ARGV epoch, maxlen, node,
// then (op, field, value) triples. Refuses (0) under another epoch;
// otherwise writes each field (a hold, or a lift's tombstone), logs each
// change, and returns the last id.
var holdsPublishScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local last = ''
for i = 4, #ARGV, 3 do
  local op, f, v = ARGV[i], ARGV[i+1], ARGV[i+2]
  if op == 's' or op == 'd' then
    redis.call('HSET', KEYS[2], f, v)
  end
  last = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'op', op, 'f', f, 'v', v, 'n', ARGV[3])
end
return last
`)

// holdsSeedScript: KEYS hash; ARGV (field, value) pairs. Sets a field
// that is missing or holds an older change (a hold's since or a lift's
// time: the value's first 20 digits), without logging; returns how many
// it set.
var holdsSeedScript = redis.NewScript(`
local n = 0
for i = 1, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i+1]
  local old = redis.call('HGET', KEYS[1], f)
  if not old or string.sub(old, 1, 20) < string.sub(v, 1, 20) then
    redis.call('HSET', KEYS[1], f, v)
    n = n + 1
  end
end
return n
`)
