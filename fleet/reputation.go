package fleet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"sluice/reputation"
)

// ReputationCounts is the fleet's reputation.Shared: the reputation
// guard's windows counted once for every node. Deliveries happen at every
// node and returns and complaints arrive at whichever node's MX the
// receiver picks, so a node alone sees only its slice of a tenant's
// rates; with this, every node's guard judges on the fleet's sums.
//
// In Redis, a scope (a tenant, or one of its campaigns) has one hash per
// time bucket (Bucket, 5 minutes by default) under
// <prefix>rep:<gen>:<tenant>\x00<campaign>:<bucket>, expiring a little
// over the time window after its last write. Each node incarnation (node
// id and a random boot id: a restarted node starts fields of its own)
// writes its own running totals there, one field per count
// ("<node>/<boot>:<count index>"), raised with a max and never added to:
// a retried write, or the same totals pushed again, counts once. The
// fleet's count of a bucket is the sum of its fields.
//
// The guard's Add only counts in memory. Sync, called every second from
// the guard's goroutine, sends the buckets changed since the last Sync
// and reads back the recent buckets of every scope counted here in the
// last Idle (the whole window when first read, after Redis came back,
// and every Resync) in one script, one round trip: none on the delivery
// path, and one a second however many messages. Sums answers from what
// the last Sync read plus what Add counted since.
//
// Redis down is a degraded mode: Sums answers "not known" and the guard
// judges on its own windows (logged, sluice_fleet_degraded_calls_total);
// the counts wait in memory and the next Sync that reaches Redis sends
// them. A Redis that lost its data is noticed by its epoch key and
// re-seeded: every node sends again its totals of the whole window, which
// the max makes idempotent. What is lost: a node's counts of the seconds
// before a crash (not sent yet), and, if Redis loses its data, the counts
// of node incarnations that have since stopped.
//
// A tenant resumed by an operator (Reset) gets a new generation
// (<prefix>rep:gen, a hash of tenant → generation that only grows, pushed
// back by the nodes if Redis lost it): its windows start afresh at every
// node, which learns it at its next Sync. A pause is claimed with a
// marker (<prefix>rep:pause:<tenant>, SET NX with a TTL), so that two
// nodes crossing the same threshold at once emit one "paused" event; the
// pause itself is a spool hold, replicated by the hold replicator.
type ReputationCounts struct {
	c      *Client
	o      ReputationOptions
	field  string // "<node>/<boot>:", the prefix of this incarnation's fields
	bucket int64  // ns
	nb     int64  // buckets in the time window
	ttl    int64  // s

	mu         sync.Mutex
	scopes     map[reputation.Scope]*repScope
	gens       map[string]int64 // tenant → the generation its keys are written under
	bumps      map[string]bool  // Resets not in Redis yet
	epoch      string           // Redis's epoch when last read
	fullRounds int              // Syncs left that read every scope whole
	up         bool             // the last Sync reached Redis
	logged     bool             // the degraded mode was logged
}

var _ reputation.Shared = (*ReputationCounts)(nil)

// ReputationOptions shape ReputationCounts. Zero values take the
// defaults; WindowMessages and WindowTime must be the guard's.
type ReputationOptions struct {
	// WindowMessages and WindowTime are the guard's windows (its Config's);
	// defaults 10000 and 24h.
	WindowMessages int
	WindowTime     time.Duration
	// Bucket is the time bucket of the counts in Redis; default 5m. The
	// count window is taken from the buckets newest first, the one that
	// crosses WindowMessages prorated.
	Bucket time.Duration
	// Idle is how long after its last count here a scope's fleet sums are
	// still read; default 1h.
	Idle time.Duration
	// Resync is how often a scope is read whole (other nodes' late
	// pushes of older buckets); default 5m.
	Resync time.Duration
	// MaxKeys bounds the bucket keys written and read whole per Sync
	// (one script: Redis runs nothing else meanwhile); default 4096.
	MaxKeys int
	// PauseClaim is how long a node's claim of a pause keeps the others
	// from emitting their own; default 1m.
	PauseClaim time.Duration
	// Now is the guard's clock (the buckets are of its times); default
	// the client's.
	Now func() time.Time
}

func (o *ReputationOptions) setDefaults() {
	if o.WindowMessages <= 0 {
		o.WindowMessages = 10000
	}
	if o.WindowTime <= 0 {
		o.WindowTime = 24 * time.Hour
	}
	if o.Bucket <= 0 {
		o.Bucket = 5 * time.Minute
	}
	if o.Idle <= 0 {
		o.Idle = time.Hour
	}
	if o.Resync <= 0 {
		o.Resync = 5 * time.Minute
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 4096
	}
	if o.PauseClaim <= 0 {
		o.PauseClaim = time.Minute
	}
}

// repScope is what this node knows of one scope.
type repScope struct {
	own   map[int64]*reputation.Counts // this incarnation's totals per bucket
	dirty map[int64]bool               // buckets of own not sent yet
	fleet map[int64]reputation.Counts  // the fleet's, per bucket, as last read
	// extra is what Add counted since the last Sync took its snapshot,
	// inflight what that Sync is sending: neither is in fleet yet.
	extra, inflight reputation.Counts
	byCount, byTime reputation.Counts // fleet's sums, computed at the last read
	read            bool              // fleet holds the whole window
	readAt          time.Time         // last whole read
	seen            time.Time         // last Add
}

// ReputationCounts returns the fleet's counter of the reputation guard's
// windows (Deps.Shared).
func (c *Client) ReputationCounts(o ReputationOptions) *ReputationCounts {
	o.setDefaults()
	if o.Now == nil {
		o.Now = c.opts.Now
	}
	var boot [4]byte
	_, _ = rand.Read(boot[:]) // never fails (crypto/rand)
	nb := int64((o.WindowTime + o.Bucket - 1) / o.Bucket)
	return &ReputationCounts{c: c, o: o, field: c.opts.NodeID + "/" + hex.EncodeToString(boot[:]) + ":",
		bucket: int64(o.Bucket), nb: nb, ttl: int64((o.WindowTime + o.Bucket + time.Hour) / time.Second),
		scopes: map[reputation.Scope]*repScope{}, gens: map[string]int64{}, bumps: map[string]bool{}}
}

// Add implements reputation.Shared.
func (r *ReputationCounts) Add(sc reputation.Scope, t time.Time, c reputation.Counts) {
	b := t.UnixNano() / r.bucket
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.scopes[sc]
	if s == nil {
		s = &repScope{own: map[int64]*reputation.Counts{}, dirty: map[int64]bool{}}
		r.scopes[sc] = s
	}
	o := s.own[b]
	if o == nil {
		o = &reputation.Counts{}
		s.own[b] = o
	}
	for i, v := range c {
		o[i] += v
		s.extra[i] += v
	}
	s.dirty[b] = true
	if t.After(s.seen) {
		s.seen = t
	}
}

// Sums implements reputation.Shared.
func (r *ReputationCounts) Sums(sc reputation.Scope, _ time.Time) (byCount, byTime reputation.Counts, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.scopes[sc]
	if s == nil || !s.read || !r.up {
		return byCount, byTime, false
	}
	byCount, byTime = s.byCount, s.byTime
	for i := range byCount {
		byCount[i] += s.extra[i] + s.inflight[i]
		byTime[i] += s.extra[i] + s.inflight[i]
	}
	return byCount, byTime, true
}

// ClaimPause implements reputation.Shared: SET NX of the tenant's pause
// marker, which this node may already hold (a pause it retries).
func (r *ReputationCounts) ClaimPause(ctx context.Context, tenant string) bool {
	if !r.c.try() {
		r.c.degraded()
		return true
	}
	key := r.c.key("rep", "pause", tenant)
	won, err := r.c.rdb.SetNX(ctx, key, r.field, r.o.PauseClaim).Result()
	if r.c.observe(err) != nil {
		r.c.degraded()
		return true
	}
	if won {
		return true
	}
	holder, err := r.c.rdb.Get(ctx, key).Result()
	return r.c.observe(err) == nil && holder == r.field
}

// Reset implements reputation.Shared: a new generation of tenant's keys
// (and its pause marker gone), or, with Redis down, one the next Sync
// asks for.
func (r *ReputationCounts) Reset(ctx context.Context, tenant string) error {
	r.mu.Lock()
	known := r.gens[tenant]
	r.mu.Unlock()
	if r.c.try() {
		g, err := repResetScript.Run(ctx, r.c.rdb, []string{r.c.key("rep", "gen"), r.c.key("rep", "pause", tenant)},
			tenant, known).Int64()
		if r.c.observe(err) == nil {
			r.mu.Lock()
			r.gens[tenant] = max(r.gens[tenant], g)
			r.drop(tenant)
			r.mu.Unlock()
			return nil
		}
	}
	r.c.degraded()
	r.mu.Lock()
	r.bumps[tenant] = true
	r.drop(tenant)
	r.mu.Unlock()
	return nil
}

// drop forgets every scope of tenant. Called with r.mu held.
func (r *ReputationCounts) drop(tenant string) {
	for sc := range r.scopes {
		if sc.Tenant == tenant {
			delete(r.scopes, sc)
		}
	}
}

// bucketKey is the key of scope's bucket b under generation gen. Long
// campaign names (a tenant's header) are cut and hashed.
func (r *ReputationCounts) bucketKey(sc reputation.Scope, gen, b int64) string {
	camp := sc.Campaign
	if len(camp) > 64 {
		h := sha256.Sum256([]byte(camp))
		camp = camp[:32] + "~" + hex.EncodeToString(h[:12])
	}
	return r.c.key("rep", strconv.FormatInt(gen, 10), sc.Tenant+"\x00"+camp, strconv.FormatInt(b, 10))
}

// ReputationStats are the counter's numbers, for tests and status.
type ReputationStats struct {
	Scopes int  // scopes known here
	Up     bool // the last Sync reached Redis
}

// Stats returns the counter's numbers.
func (r *ReputationCounts) Stats() ReputationStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return ReputationStats{Scopes: len(r.scopes), Up: r.up}
}
