package fleet

import (
	"context"
	"encoding/binary"
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

// A standalone tracking edge (`sluice edge`) in a fleet. It keeps no
// spool of messages, so it is not a node: it mints no ids (no node
// number), holds no connection leases and follows no holds. What it
// shares is what it takes and what it counts:
//
//   - One-click unsubscribes (RFC 8058) are written to a small spool of
//     its own (a queue.Store holding only suppressions) with the fleet
//     outbox on, fsync'd before the 200, and pushed to Redis by a
//     Replicator like any node's: no single node must be up for an
//     opt-out to be taken, and one taken while Redis is down waits in
//     the outbox until Redis answers.
//   - Its events store's counters are published on the StatsBoard, so
//     `ctl stats` on any node sums the edge's opens, clicks and
//     unsubscribes with the nodes' numbers.
//   - It follows the fleet's erasures (FollowErasures): a person erased
//     at any node loses her events at the edge too, and the opt-out the
//     edge took is kept by its keyed hash only, even if the edge was down.
//
// Its id is its node id with EdgeIDPrefix, so `ctl cluster status` and
// the statistics' node lists show it as an edge.
//
// The edge's replicator reads the fleet's change log, as every node's
// does, but keeps none of the other nodes' suppressions (edgeStore):
// the edge never checks a recipient, and a replica of ten million
// suppressions has no business on it. It applies lifts to the ones it
// took itself, so that re-seeding an emptied Redis never brings back a
// suppression an operator lifted.

// EdgeIDPrefix starts the id of a standalone edge in the fleet.
const EdgeIDPrefix = "edge-"

// EdgeID is a standalone edge's id in the fleet: EdgeIDPrefix and the
// configured node id, or the one generated into dataDir (see NodeID). A
// configured id that already starts with EdgeIDPrefix is kept as it is.
func EdgeID(dataDir, configured string) (string, error) {
	id, err := NodeID(dataDir, configured)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(id, EdgeIDPrefix) {
		id = EdgeIDPrefix + id
	}
	if err := validNodeID(id); err != nil {
		return "", fmt.Errorf("fleet: edge id (%q and the node id): %w", EdgeIDPrefix, err)
	}
	return id, nil
}

// IsEdge reports whether a fleet member's id names a standalone edge.
func IsEdge(id string) bool { return strings.HasPrefix(id, EdgeIDPrefix) }

// EdgeMember is a standalone edge's part in a fleet: its Redis client,
// the replicator pushing its suppression spool's outbox, its heartbeat
// and, when set, its statistics board. A nil *EdgeMember is an edge
// alone: Run and Close do nothing.
type EdgeMember struct {
	Client     *Client
	Replicator *Replicator
	// Statistics is set by PublishStats before Run; nil: not run.
	Statistics *StatsBoard
	// Erasures is set by FollowErasures before Run; nil: not run.
	Erasures *EraseFollower

	spool     *queue.Store
	supp      *Suppressions
	erasedIDs *erasedFollower
}

// JoinEdge opens the fleet's Redis as the edge (id: EdgeID) and turns on
// spool's fleet outbox, so that every suppression the edge takes goes to
// Redis from the same durable write. spool is the edge's own suppression
// spool, never a node's. Redis need not be up: nothing is dialled here.
func JoinEdge(ctx context.Context, spool *queue.Store, o MemberOptions) (*EdgeMember, error) {
	id, err := EdgeID(o.DataDir, o.NodeID)
	if err != nil {
		return nil, err
	}
	o.NodeID = id
	c, err := o.open(ctx)
	if err != nil {
		return nil, err
	}
	if err := spool.SetFleetOutbox(ctx, true); err != nil {
		c.Close()
		return nil, fmt.Errorf("fleet: edge: %w", err)
	}
	rep := c.Replicator(edgeStore{spool}, ReplicatorOptions{MaxLen: o.StreamMaxLen})
	return &EdgeMember{Client: c, Replicator: rep, spool: spool, supp: &Suppressions{Store: spool, Replicator: rep}}, nil
}

// Suppressions is the edge's spool as its unsubscribe handler must take
// it (tracking.Suppressor): the local durable write, with its outbox
// entry in the same transaction, then a push to Redis now, best effort
// (when Redis does not answer, Run pushes it once it does).
func (m *EdgeMember) Suppressions() *Suppressions { return m.supp }

// PublishStats makes Run publish the edge's statistics from src (see
// StatsBoard) and returns the board. Nil on a nil EdgeMember.
func (m *EdgeMember) PublishStats(src StatsSource, o StatsOptions) *StatsBoard {
	if m == nil {
		return nil
	}
	m.Statistics = m.Client.StatsBoard(src, o)
	return m.Statistics
}

// FollowErasures makes Run apply the fleet's erasure requests to the
// edge's stores, as a node's Member does (see EraseFollower): erase runs
// on the edge's suppression spool (admin.ApplyErasure over it and the
// events store), which keeps the log's cursor and the requests applied,
// and keeps an erased address's suppression by its keyed hash only. The
// edge's events name no address and the edge has no recipient directory,
// so they are erased by the recipient ids the nodes found
// (ErasedRecipients.Share), read from the fleet into ev. Nil on a nil
// EdgeMember.
func (m *EdgeMember) FollowErasures(erase EraseFunc, ev ErasedEvents, o EraseOptions) *EraseFollower {
	if m == nil {
		return nil
	}
	m.Erasures = m.Client.EraseFollower(m.spool, erase, o)
	m.erasedIDs = m.Client.erasedFollower(ev, m.Erasures.o)
	return m.Erasures
}

// Run follows the fleet until ctx ends: the replicator (which pushes the
// outbox), the heartbeat (its queue depth is the outbox's: the
// unsubscribes not yet in Redis) and, when set, the statistics board and
// the erasure followers.
func (m *EdgeMember) Run(ctx context.Context) error {
	if m == nil {
		return nil
	}
	var wg sync.WaitGroup
	var eerr, ierr error
	wg.Add(1)
	go func() { defer wg.Done(); m.Client.Heartbeat(ctx, m.outboxDepth) }()
	if m.Statistics != nil {
		wg.Add(1)
		go func() { defer wg.Done(); m.Statistics.Run(ctx) }()
	}
	if m.Erasures != nil {
		wg.Add(2)
		go func() { defer wg.Done(); eerr = m.Erasures.Run(ctx) }()
		go func() { defer wg.Done(); ierr = m.erasedIDs.run(ctx) }()
	}
	err := m.Replicator.Run(ctx)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("fleet edge replicator: %w", err)
	}
	if eerr != nil {
		return fmt.Errorf("fleet edge erasure follower: %w", eerr)
	}
	if ierr != nil {
		return fmt.Errorf("fleet edge erased recipients: %w", ierr)
	}
	return nil
}

// Close releases the Redis connections. Run must have returned; the
// spool is closed after it.
func (m *EdgeMember) Close() {
	if m != nil {
		m.Client.Close()
	}
}

func (m *EdgeMember) outboxDepth() int { return m.Replicator.Stats().OutboxDepth }

// Status reads the fleet's state as the edge sees it, waiting at most
// 2 s for Redis.
func (m *EdgeMember) Status(ctx context.Context) MemberStatus {
	st := MemberStatus{NodeID: m.Client.NodeID(), Client: m.Client.Stats(), Replicator: m.Replicator.Stats()}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st.Nodes, st.Err = m.Client.Live(ctx)
	return st
}

// edgeStore is the edge's suppression spool as its Replicator sees it:
// the fleet's suppressions are not kept (the edge checks no recipient),
// lifts are applied (to the edge's own suppressions, which re-seeding
// would otherwise bring back), and the outbox, the cursor and the
// re-seed walk are the spool's.
type edgeStore struct{ *queue.Store }

var _ LocalStore = edgeStore{}

// ApplyFleetSuppressions keeps nothing: the other members hold the
// fleet's suppressions; the edge only hands over its own.
func (edgeStore) ApplyFleetSuppressions(context.Context, []queue.Suppression) error { return nil }

// Erased recipients. An event recorded away from the node that accepted
// its message (a standalone edge's open, click or unsubscribe) names the
// recipient by its ids only (message id, recipient index), and only that
// node's recipient directory maps the ids to an address. So a node that
// erases an address hands the fleet the ids it found, never the address:
//
//	<prefix>erase:rids   stream: t (tenant), i (ids: 12 bytes each, the
//	                     message id and the recipient index, big-endian)
//
// A standalone edge follows it from a cursor kept in its events store and
// erases those recipients' events there. The ids lead to no one without a
// node's directory, whose entries the erasure deleted; entries older than
// the erasure retention are trimmed at each write. Sharing is best effort
// (a failure is returned, the node's caller logs it): ids found while
// Redis does not answer do not reach the edge, whose events of those
// recipients then go at the end of its events retention.

// maxErasedIDs bounds the ids of one stream entry (12 KB).
const maxErasedIDs = 1000

// ErasedRecipients hands the recipient ids of this node's erasures to the
// fleet's edges.
type ErasedRecipients struct {
	c         *Client
	key       string
	retention time.Duration
}

// ErasedRecipients returns the sharer of erased recipient ids; entries
// live retention (default 30 days, as EraseOptions.Retention).
func (c *Client) ErasedRecipients(retention time.Duration) *ErasedRecipients {
	if retention <= 0 {
		retention = 30 * 24 * time.Hour
	}
	return &ErasedRecipients{c: c, key: c.key("erase", "rids"), retention: retention}
}

// Share adds tenant's erased recipients keys to the fleet's stream, in
// one round trip. Nothing to share is no call.
func (e *ErasedRecipients) Share(ctx context.Context, tenant string, keys []queue.RcptKey) error {
	if len(keys) == 0 {
		return nil
	}
	if !e.c.try() {
		return errDegradedR
	}
	var last *redis.StringCmd
	_, err := e.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for len(keys) > 0 {
			chunk := keys[:min(len(keys), maxErasedIDs)]
			keys = keys[len(chunk):]
			last = p.XAdd(ctx, &redis.XAddArgs{Stream: e.key, Values: []any{"t", tenant, "i", encodeErasedIDs(chunk)}})
		}
		return nil
	})
	if err := e.c.observe(err); err != nil {
		return fmt.Errorf("fleet: share erased recipients: %w", err)
	}
	// Trimmed on Redis's clock (the id it gave the entry just added), not
	// this node's: a node whose clock runs ahead would otherwise trim
	// everything, its own entry included.
	ms, _, ok := strings.Cut(last.Val(), "-")
	at, perr := strconv.ParseInt(ms, 10, 64)
	if !ok || perr != nil {
		return nil // added; the trim waits for the next share
	}
	minID := strconv.FormatInt(at-e.retention.Milliseconds(), 10)
	if err := e.c.observe(e.c.rdb.XTrimMinIDApprox(ctx, e.key, minID, 0).Err()); err != nil {
		return fmt.Errorf("fleet: trim erased recipients: %w", err)
	}
	return nil
}

func encodeErasedIDs(keys []queue.RcptKey) string {
	b := make([]byte, 0, 12*len(keys))
	for _, k := range keys {
		b = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(b, uint64(k.ID)), k.Index)
	}
	return string(b)
}

// decodeErasedIDs checks an entry of the stream: hostile or corrupt
// values are refused.
func decodeErasedIDs(v map[string]any) (string, []queue.RcptKey, bool) {
	t, _ := v["t"].(string)
	i, _ := v["i"].(string)
	if t == "" || len(t) > 256 || strings.ContainsRune(t, 0) || i == "" || len(i)%12 != 0 || len(i) > 12*maxErasedIDs {
		return "", nil, false
	}
	keys := make([]queue.RcptKey, 0, len(i)/12)
	for ; len(i) > 0; i = i[12:] {
		b := []byte(i[:12])
		keys = append(keys, queue.RcptKey{ID: queue.ID(binary.BigEndian.Uint64(b)), Index: binary.BigEndian.Uint32(b[8:])})
	}
	return t, keys, true
}

// ErasedEvents is an edge's events store as the follower of erased
// recipients uses it (tracking.EdgeErasures): the erasure of recipients'
// events, idempotent, and the stream's cursor kept beside them.
type ErasedEvents interface {
	EraseRecipients(ctx context.Context, tenant string, keys []queue.RcptKey) (int, error)
	ErasedCursor() (string, error)
	SetErasedCursor(ctx context.Context, cursor string) error
}

// erasedFollower reads the erased recipients' stream into an edge's
// events store.
type erasedFollower struct {
	c       *Client
	ev      ErasedEvents
	key     string
	o       EraseOptions
	applied atomic.Uint64
}

func (c *Client) erasedFollower(ev ErasedEvents, o EraseOptions) *erasedFollower {
	return &erasedFollower{c: c, ev: ev, key: c.key("erase", "rids"), o: o}
}

// run follows the stream until ctx ends. Redis failures and failed
// erasures only delay it (the entry is tried again); a failure to keep
// the cursor ends it.
func (f *erasedFollower) run(ctx context.Context) error {
	cur, err := f.ev.ErasedCursor()
	if err != nil {
		return fmt.Errorf("fleet: erased recipients cursor: %w", err)
	}
	if cur == "" {
		cur = "0"
	}
	for ctx.Err() == nil {
		err := f.step(ctx, &cur)
		if err == nil || ctx.Err() != nil {
			continue
		}
		var local localError
		if errors.As(err, &local) {
			return err
		}
		if !errors.Is(err, errDegradedR) {
			f.c.log.Warn("fleet: erasing recipients' events failed: retrying", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(f.o.RetryDelay):
		}
	}
	return nil
}

func (f *erasedFollower) step(ctx context.Context, cur *string) error {
	if !f.c.try() {
		return errDegradedR
	}
	res, err := f.c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{f.key, *cur}, Count: 100, Block: f.o.Block}).Result()
	if errors.Is(err, redis.Nil) {
		f.c.observe(nil)
		return nil
	}
	if err := f.c.observe(err); err != nil {
		return fmt.Errorf("fleet: read erased recipients: %w", err)
	}
	for _, st := range res {
		for _, m := range st.Messages {
			if tenant, keys, ok := decodeErasedIDs(m.Values); ok {
				if _, err := f.ev.EraseRecipients(ctx, tenant, keys); err != nil {
					return fmt.Errorf("fleet: erase recipients' events (entry %s): %w", m.ID, err)
				}
				f.applied.Add(1)
			}
			if err := f.ev.SetErasedCursor(ctx, m.ID); err != nil {
				return localError{err}
			}
			*cur = m.ID
		}
	}
	return nil
}
