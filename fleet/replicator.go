package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/queue"
)

// LocalStore is the node's spool as the Replicator uses it: the local
// replica of the fleet's suppressions (looked up at RCPT without Redis),
// the outbox of changes not yet in Redis and the replication cursor.
// *queue.Store implements it. Changes from the fleet are applied through
// ApplyFleetSuppressions and ApplyFleetLift, which never write the outbox
// (pushing them back would echo them between nodes forever).
type LocalStore interface {
	ApplyFleetSuppressions(ctx context.Context, sups []queue.Suppression) error
	ApplyFleetLift(ctx context.Context, tenant, addr string) (bool, error)
	FleetSuppressions(afterTenant, afterAddr string, limit int) ([]queue.Suppression, error)
	FleetOutboxAdd(ctx context.Context, changes []queue.FleetChange) error
	FleetOutbox(limit int) ([]queue.FleetChange, error)
	FleetOutboxDepth() (int, error)
	FleetOutboxSeq() (uint64, error)
	FleetOutboxDone(ctx context.Context, seq uint64) error
	FleetCursor() (queue.FleetCursor, error)
	SetFleetCursor(ctx context.Context, cur queue.FleetCursor) error
}

var _ LocalStore = (*queue.Store)(nil)

// ReplicatorOptions tune a Replicator; zero values take the defaults.
type ReplicatorOptions struct {
	// MaxLen trims the change log (approximately, MAXLEN ~); default
	// 1,000,000 entries. A node further behind than that resyncs fully.
	MaxLen int64
	// Block is how long one XREAD waits for new entries; default 2 s.
	Block time.Duration
	// Batch is the entries read, applied or pushed at once; default 1000.
	Batch int
	// RetryDelay paces attempts while Redis fails; default 500 ms.
	RetryDelay time.Duration
	// Poll is how often Run looks at the outbox's sequence in the local
	// store (a read transaction, no Redis) for changes written there
	// without Kick or Publish (queue.Store.SetFleetOutbox); default 100 ms.
	Poll time.Duration
	// MaxHandedReturns bounds each node's list of returns handed to it
	// through Redis (returns.go); default 50,000. A return for a full list
	// stays at the node that received it, logged unattributed: a stranger
	// who floods an inbound MX with returns naming another node's ids (or
	// a node away for days) cannot grow Redis without end.
	MaxHandedReturns int
}

// Replicator keeps the node's suppressions and the fleet's the same (see
// the package doc). Publish is called wherever the node suppresses or
// lifts a suppression; Run follows the fleet's change log.
type Replicator struct {
	c  *Client
	st LocalStore
	o  ReplicatorOptions

	keyEpoch, keyHash, keyLog string

	flushMu sync.Mutex
	epoch   atomic.Pointer[string] // the epoch the node's replica belongs to
	kick    chan struct{}

	outbox                    atomic.Int64
	seenSeq                   atomic.Uint64 // the outbox sequence recount last saw
	resyncs, reseeds, applied atomic.Uint64
	badEntries                atomic.Uint64
	lag                       atomic.Int64 // ms of stream time not yet applied

	onReturn atomic.Pointer[func()] // SetOnReturn (returns.go)
}

// Replicator returns the suppression replicator of st.
func (c *Client) Replicator(st LocalStore, o ReplicatorOptions) *Replicator {
	if o.MaxLen <= 0 {
		o.MaxLen = 1_000_000
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
	r := &Replicator{c: c, st: st, o: o, kick: make(chan struct{}, 1),
		keyEpoch: c.key("epoch"), keyHash: c.key("supp", "all"), keyLog: c.key("supp", "log")}
	empty := ""
	r.epoch.Store(&empty)
	if n, err := st.FleetOutboxDepth(); err == nil {
		r.outbox.Store(int64(n))
	}
	return r
}

// Publish hands suppressions the node has just stored locally to the
// fleet. They are written to the durable outbox first (one group commit),
// then pushed to Redis in order; when Redis does not answer they stay in
// the outbox and Run pushes them once it does. An error means the outbox
// write failed (the local suppression stands; the fleet may miss it).
// Hashed suppressions (erasures) are not replicated: their hash is keyed
// per spool.
func (r *Replicator) Publish(ctx context.Context, sups []queue.Suppression) error {
	changes := make([]queue.FleetChange, 0, len(sups))
	for _, s := range sups {
		if !s.Hashed {
			changes = append(changes, queue.FleetChange{Suppression: s})
		}
	}
	return r.enqueue(ctx, changes)
}

// Lift hands an operator's lifting of tenant's suppression of addr to the
// fleet, the way Publish does.
func (r *Replicator) Lift(ctx context.Context, tenant, addr string) error {
	return r.enqueue(ctx, []queue.FleetChange{{Lift: true,
		Suppression: queue.Suppression{Tenant: tenant, Addr: addr}}})
}

func (r *Replicator) enqueue(ctx context.Context, changes []queue.FleetChange) error {
	if len(changes) == 0 {
		return nil
	}
	if err := r.st.FleetOutboxAdd(ctx, changes); err != nil {
		return fmt.Errorf("fleet: publish: %w", err)
	}
	r.outbox.Add(int64(len(changes)))
	r.push(ctx)
	return nil
}

// Kick tells the replicator that the local store has just appended
// changes to the outbox itself (queue.Store in fleet mode writes them in
// the suppression's own transaction), and pushes them now, best effort,
// in the caller's goroutine: the suppression is in Redis when Kick
// returns unless Redis is down (then Run pushes it once Redis is back).
func (r *Replicator) Kick(ctx context.Context) {
	r.recount()
	r.push(ctx)
}

// recount re-reads the outbox's depth from the store when its sequence
// moved since the last look (changes written without enqueue).
func (r *Replicator) recount() bool {
	seq, err := r.st.FleetOutboxSeq()
	if err != nil || seq == r.seenSeq.Load() {
		return false
	}
	r.seenSeq.Store(seq)
	if n, err := r.st.FleetOutboxDepth(); err == nil {
		r.outbox.Store(int64(n))
	}
	return true
}

// watch pushes changes written to the outbox by the local store without
// a Kick, within Poll, until ctx ends.
func (r *Replicator) watch(ctx context.Context) {
	t := time.NewTicker(r.o.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if r.recount() {
				r.push(ctx)
			}
		}
	}
}

// push sends the outbox to Redis now, best effort.
func (r *Replicator) push(ctx context.Context) {
	// Best effort now, unless Redis is down or Run is reconciling (which
	// holds flushMu, perhaps for long); Run pushes what is left.
	if !r.c.Healthy() || !r.flushMu.TryLock() {
		r.wake()
		return
	}
	defer r.flushMu.Unlock()
	if err := r.flushLocked(ctx); err != nil {
		r.wake()
	}
}

func (r *Replicator) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

var (
	errNoEpoch   = errors.New("fleet: redis epoch changed or missing: resync first")
	errDegradedR = errors.New("fleet: redis is down")
)

// flush pushes the outbox to Redis, in order, batch by batch, each batch
// one script call (hash and log written together), and removes what Redis
// took. Pushing twice (a crash before the removal) is harmless.
func (r *Replicator) flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	return r.flushLocked(ctx)
}

func (r *Replicator) flushLocked(ctx context.Context) error {
	for {
		changes, err := r.st.FleetOutbox(r.o.Batch)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		epoch := *r.epoch.Load()
		if epoch == "" {
			return errNoEpoch
		}
		args := make([]any, 0, 3+3*len(changes))
		args = append(args, epoch, r.o.MaxLen, r.c.opts.NodeID)
		for _, ch := range changes {
			s := ch.Suppression
			if ch.Lift {
				args = append(args, opLift, field(s.Tenant, s.Addr), "")
			} else {
				args = append(args, opSuppress, field(s.Tenant, s.Addr), encodeSupp(s))
			}
		}
		res, err := publishScript.Run(ctx, r.c.rdb, []string{r.keyEpoch, r.keyHash, r.keyLog}, args...).Result()
		if err := r.c.observe(err); err != nil {
			return fmt.Errorf("fleet: push outbox: %w", err)
		}
		if n, ok := res.(int64); ok && n == 0 {
			return errNoEpoch
		}
		last := changes[len(changes)-1].Seq
		if err := r.st.FleetOutboxDone(ctx, last); err != nil {
			return err
		}
		r.outbox.Add(-int64(len(changes)))
	}
}

// Run follows the fleet's change log until ctx ends: it reconciles with
// Redis (re-seeding an empty one, resyncing when its cursor is gone or
// belongs to another epoch), pushes the outbox, then reads new entries
// (XREAD BLOCK from the cursor) and applies them to the local store,
// moving the cursor durably after each batch. Redis failures only delay
// it. It returns nil when ctx ends, an error when the local store fails.
func (r *Replicator) Run(ctx context.Context) error {
	cur, err := r.st.FleetCursor()
	if err != nil {
		return err
	}
	epoch := cur.Epoch
	r.epoch.Store(&epoch)
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.watch(wctx) }()
	go func() { defer wg.Done(); r.relayReturns(wctx) }() // returns.go
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
			r.c.log.Debug("fleet: replicator step failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-r.kick:
		case <-time.After(r.o.RetryDelay):
		}
	}
	return nil
}

// localError marks a failure of the local store (fatal to Run), as
// opposed to Redis's (retried).
type localError struct{ error }

func (e localError) Unwrap() error { return e.error }

func (r *Replicator) step(ctx context.Context, cur *queue.FleetCursor) error {
	if !r.c.try() {
		return errDegradedR
	}
	epoch, info, err := r.state(ctx)
	if err != nil {
		return err
	}
	if epoch == "" || epoch != cur.Epoch {
		if err := r.reconcile(ctx, epoch, cur); err != nil {
			return err
		}
	} else if r.gap(info, cur.ID) {
		r.c.log.Warn("fleet: change log trimmed past this node's cursor: full resync", "cursor", cur.ID)
		if err := r.resync(ctx, epoch, cur); err != nil {
			return err
		}
	}
	if info != nil {
		ms, _, _ := parseStreamID(info.LastGeneratedID)
		cms, _, _ := parseStreamID(cur.ID)
		r.lag.Store(int64(ms) - int64(min(cms, ms)))
	}
	if r.outbox.Load() > 0 {
		if err := r.flush(ctx); err != nil {
			return err
		}
	}
	return r.follow(ctx, cur)
}

// state reads the epoch and the log's bounds in one round trip. info is
// nil when the log does not exist (yet).
func (r *Replicator) state(ctx context.Context) (string, *redis.XInfoStream, error) {
	pipe := r.c.rdb.Pipeline()
	ge := pipe.Get(ctx, r.keyEpoch)
	xi := pipe.XInfoStream(ctx, r.keyLog)
	_, _ = pipe.Exec(ctx)
	epoch, err := ge.Result()
	if err := r.c.observe(err); err != nil {
		return "", nil, fmt.Errorf("fleet: read epoch: %w", err)
	}
	info, err := xi.Result()
	if err != nil {
		if isNoSuchKey(err) {
			return epoch, nil, nil
		}
		return "", nil, fmt.Errorf("fleet: read change log: %w", r.c.observe(err))
	}
	return epoch, info, nil
}

// isNoSuchKey is XINFO STREAM's answer for a missing stream.
func isNoSuchKey(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && re.Error() == "ERR no such key"
}

// gap reports whether entries after cursor id may have been trimmed from
// the log before this node read them. The log is only ever trimmed from
// its head (MAXLEN) and never XDEL'd by sluice, so: an empty log whose
// last id is past the cursor lost them all, and a log whose first entry is
// past the cursor may have lost some (at worst a needless resync, when
// only the cursor's own entry went). An XDEL past the cursor (an
// operator's) counts too (max-deleted-entry-id, Redis ≥ 7; Redis does not
// record trimming there).
func (r *Replicator) gap(info *redis.XInfoStream, id string) bool {
	if info == nil {
		return id != "" && id != "0-0" // the log vanished under its epoch
	}
	if info.MaxDeletedEntryID != "" && idLess(id, info.MaxDeletedEntryID) {
		return true
	}
	if info.EntriesAdded > 0 && info.EntriesAdded == info.Length {
		return false // never trimmed (entries-added, Redis ≥ 7)
	}
	if info.Length == 0 {
		return idLess(id, info.LastGeneratedID)
	}
	return idLess(id, info.FirstEntry.ID)
}

// reconcile brings a node whose cursor belongs to another epoch (or to
// none, or a Redis that lost everything) in line: it re-seeds the hash
// from its own suppressions (Redis may have lost them), creates the epoch
// when missing, tells the other nodes to rescan if it added anything, and
// resyncs fully.
func (r *Replicator) reconcile(ctx context.Context, epoch string, cur *queue.FleetCursor) error {
	if epoch == "" {
		r.c.log.Warn("fleet: redis holds no epoch (new or emptied): re-seeding it from the local suppressions")
	}
	// No push while the outbox is pruned below.
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	covered, err := r.st.FleetOutboxSeq()
	if err != nil {
		return localError{err}
	}
	added, err := r.reseed(ctx)
	if err != nil {
		return err
	}
	if epoch == "" {
		fresh := randomEpoch()
		if err := r.c.observe(r.c.rdb.SetNX(ctx, r.keyEpoch, fresh, 0).Err()); err != nil {
			return fmt.Errorf("fleet: create epoch: %w", err)
		}
		epoch, err = r.c.rdb.Get(ctx, r.keyEpoch).Result()
		if err := r.c.observe(err); err != nil || epoch == "" {
			return fmt.Errorf("fleet: read epoch: %w", err)
		}
	}
	if err := r.pruneOutbox(ctx, epoch, covered); err != nil {
		return err
	}
	if added > 0 {
		res, err := publishScript.Run(ctx, r.c.rdb, []string{r.keyEpoch, r.keyHash, r.keyLog},
			epoch, r.o.MaxLen, r.c.opts.NodeID, opReseed, "", "").Result()
		if err := r.c.observe(err); err != nil {
			return fmt.Errorf("fleet: announce re-seed: %w", err)
		}
		if n, ok := res.(int64); ok && n == 0 {
			return errNoEpoch // emptied again meanwhile: start over
		}
	}
	return r.resync(ctx, epoch, cur)
}

// pruneOutbox settles the outbox's changes up to seq once a re-seed has
// written the local state (which they were already part of) to Redis: the
// suppressions among them are covered and dropped, not pushed, so that a
// stale one cannot undo a lift another node made after the re-seed
// announced it; the lifts are pushed, in order.
func (r *Replicator) pruneOutbox(ctx context.Context, epoch string, seq uint64) error {
	for {
		changes, err := r.st.FleetOutbox(r.o.Batch)
		if err != nil {
			return localError{err}
		}
		var last uint64
		args := []any{epoch, r.o.MaxLen, r.c.opts.NodeID}
		for _, ch := range changes {
			if ch.Seq > seq {
				break
			}
			last = ch.Seq
			if ch.Lift {
				s := ch.Suppression
				args = append(args, opLift, field(s.Tenant, s.Addr), "")
			}
		}
		if last == 0 {
			return nil
		}
		if len(args) > 3 {
			res, err := publishScript.Run(ctx, r.c.rdb, []string{r.keyEpoch, r.keyHash, r.keyLog}, args...).Result()
			if err := r.c.observe(err); err != nil {
				return fmt.Errorf("fleet: push lifts: %w", err)
			}
			if n, ok := res.(int64); ok && n == 0 {
				return errNoEpoch
			}
		}
		n, err := r.st.FleetOutboxDepth()
		if err := r.st.FleetOutboxDone(ctx, last); err != nil {
			return localError{err}
		}
		if m, err2 := r.st.FleetOutboxDepth(); err == nil && err2 == nil {
			r.outbox.Add(int64(m - n))
		}
	}
}

// reseed writes every local suppression into the hash (widening, never
// narrowing; idempotent), a page per script call, and returns how many
// fields it added or widened.
func (r *Replicator) reseed(ctx context.Context) (int64, error) {
	var added int64
	var afterT, afterA string
	for {
		page, err := r.st.FleetSuppressions(afterT, afterA, r.o.Batch)
		if err != nil {
			return added, localError{err}
		}
		if len(page) == 0 {
			break
		}
		last := page[len(page)-1]
		afterT, afterA = last.Tenant, last.Addr
		args := make([]any, 0, 2*len(page))
		for _, s := range page {
			if !s.Hashed {
				args = append(args, field(s.Tenant, s.Addr), encodeSupp(s))
			}
		}
		if len(args) == 0 {
			continue
		}
		n, err := seedScript.Run(ctx, r.c.rdb, []string{r.keyHash}, args...).Int64()
		if err := r.c.observe(err); err != nil {
			return added, fmt.Errorf("fleet: re-seed: %w", err)
		}
		added += n
	}
	r.reseeds.Add(1)
	return added, nil
}

// resync replaces the cursor by a full read of the hash: it notes the
// log's last id first, so that whatever changes during the scan is read
// from the log afterwards (a script writes hash and log together).
// Suppressions missing from the hash are not removed locally: a lift
// missed in a trimmed log stays suppressed, the safe side.
func (r *Replicator) resync(ctx context.Context, epoch string, cur *queue.FleetCursor) error {
	last := "0-0"
	info, err := r.c.rdb.XInfoStream(ctx, r.keyLog).Result()
	switch {
	case err == nil:
		last = info.LastGeneratedID
	case isNoSuchKey(err):
	default:
		return fmt.Errorf("fleet: resync: %w", r.c.observe(err))
	}
	var cursor uint64
	for {
		kv, next, err := r.c.rdb.HScan(ctx, r.keyHash, cursor, "", int64(r.o.Batch)).Result()
		if err := r.c.observe(err); err != nil {
			return fmt.Errorf("fleet: resync: %w", err)
		}
		sups := make([]queue.Suppression, 0, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			s, err := decodeSupp(kv[i], kv[i+1])
			if err != nil {
				r.badEntries.Add(1)
				continue
			}
			sups = append(sups, s)
		}
		if len(sups) > 0 {
			if err := r.st.ApplyFleetSuppressions(ctx, sups); err != nil {
				return localError{err}
			}
			r.applied.Add(uint64(len(sups)))
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	nc := queue.FleetCursor{Epoch: epoch, ID: last}
	if err := r.st.SetFleetCursor(ctx, nc); err != nil {
		return localError{err}
	}
	*cur = nc
	r.epoch.Store(&epoch)
	r.resyncs.Add(1)
	r.c.log.Info("fleet: suppressions resynced from redis", "epoch", epoch, "cursor", last)
	return nil
}

// follow reads one batch of the log after the cursor (waiting up to Block)
// and applies it.
func (r *Replicator) follow(ctx context.Context, cur *queue.FleetCursor) error {
	res, err := r.c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{r.keyLog, cur.ID},
		Count: int64(r.o.Batch), Block: r.o.Block}).Result()
	if errors.Is(err, redis.Nil) {
		r.c.observe(nil)
		return nil
	}
	if err := r.c.observe(err); err != nil {
		return fmt.Errorf("fleet: read change log: %w", err)
	}
	for _, st := range res {
		if len(st.Messages) == 0 {
			continue
		}
		rescan, err := r.apply(ctx, st.Messages)
		if err != nil {
			return err
		}
		nc := queue.FleetCursor{Epoch: cur.Epoch, ID: st.Messages[len(st.Messages)-1].ID}
		if err := r.st.SetFleetCursor(ctx, nc); err != nil {
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

// apply applies entries in order: runs of suppressions in one durable
// write, lifts one by one. It skips the node's own entries (already
// local) and reports whether another node announced a re-seed.
func (r *Replicator) apply(ctx context.Context, msgs []redis.XMessage) (rescan bool, err error) {
	var run []queue.Suppression
	flushRun := func() error {
		if len(run) == 0 {
			return nil
		}
		if err := r.st.ApplyFleetSuppressions(ctx, run); err != nil {
			return localError{err}
		}
		r.applied.Add(uint64(len(run)))
		run = run[:0]
		return nil
	}
	for _, m := range msgs {
		op, _ := m.Values["op"].(string)
		node, _ := m.Values["n"].(string)
		if node == r.c.opts.NodeID {
			continue
		}
		f, _ := m.Values["f"].(string)
		switch op {
		case opSuppress:
			v, _ := m.Values["v"].(string)
			s, err := decodeSupp(f, v)
			if err != nil {
				r.badEntries.Add(1)
				continue
			}
			run = append(run, s)
		case opLift:
			if err := flushRun(); err != nil {
				return false, err
			}
			tenant, addr, ok := cutField(f)
			if !ok {
				r.badEntries.Add(1)
				continue
			}
			if _, err := r.st.ApplyFleetLift(ctx, tenant, addr); err != nil {
				return false, localError{err}
			}
			r.applied.Add(1)
		case opReseed:
			rescan = true
		default:
			r.badEntries.Add(1)
		}
	}
	return rescan, flushRun()
}

func cutField(f string) (tenant, addr string, ok bool) {
	tenant, addr, ok = strings.Cut(f, "\x00")
	return tenant, addr, ok && tenant != "" && addr != "" && len(f) <= 1024
}

func randomEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// ReplicatorStats are the replicator's counters, for metrics.
type ReplicatorStats struct {
	OutboxDepth int           // changes waiting for Redis
	Resyncs     uint64        // full reads of the hash
	Reseeds     uint64        // local suppressions written back to Redis
	Applied     uint64        // remote changes applied locally
	BadEntries  uint64        // undecodable entries skipped
	Lag         time.Duration // stream time between the log's head and the cursor, at the last check
}

// Stats returns the replicator's counters.
func (r *Replicator) Stats() ReplicatorStats {
	return ReplicatorStats{OutboxDepth: int(r.outbox.Load()), Resyncs: r.resyncs.Load(),
		Reseeds: r.reseeds.Load(), Applied: r.applied.Load(), BadEntries: r.badEntries.Load(),
		Lag: time.Duration(r.lag.Load()) * time.Millisecond}
}
