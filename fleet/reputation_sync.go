package fleet

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/reputation"
)

// repSyncScript: KEYS epoch, gens, then the nw written bucket keys, then
// the bucket keys to read. ARGV the epoch to create when there is none,
// the buckets' TTL (s), this incarnation's field prefix, nw, nt, the
// number of counts nc, then nw × nc totals, then nt × (tenant, the
// generation the caller knows, 1 to start a new one). A total raises its
// field, never lowers it (idempotent); a generation only grows. Returns
// {epoch, generations, nc sums per read key}.
var repSyncScript = redis.NewScript(`
local e = redis.call('GET', KEYS[1])
if not e then e = ARGV[1]; redis.call('SET', KEYS[1], e) end
local nw, nt, nc = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local a = 7
for i = 1, nw do
  local k = KEYS[2 + i]
  for j = 0, nc - 1 do
    local v = tonumber(ARGV[a + j])
    if v > 0 then
      local f = ARGV[3] .. j
      if v > tonumber(redis.call('HGET', k, f) or '0') then redis.call('HSET', k, f, v) end
    end
  end
  redis.call('EXPIRE', k, ARGV[2])
  a = a + nc
end
local gens = {}
for i = 1, nt do
  local t, known = ARGV[a], tonumber(ARGV[a + 1])
  local old = tonumber(redis.call('HGET', KEYS[2], t) or '0')
  local g = math.max(old, known)
  if ARGV[a + 2] == '1' then g = g + 1 end
  if g ~= old then redis.call('HSET', KEYS[2], t, g) end
  gens[i] = g
  a = a + 3
end
local sums = {}
for i = 3 + nw, #KEYS do
  local s = {}
  for j = 1, nc do s[j] = 0 end
  local h = redis.call('HGETALL', KEYS[i])
  for j = 1, #h, 2 do
    local c = tonumber(string.sub(h[j], -1))
    if c and c < nc then s[c + 1] = s[c + 1] + tonumber(h[j + 1]) end
  end
  for j = 1, nc do sums[#sums + 1] = s[j] end
end
return {e, gens, sums}
`)

// repResetScript: KEYS gens, pause marker; ARGV tenant, the generation
// the caller knows. Starts a new generation and lifts the pause claim;
// returns the generation.
var repResetScript = redis.NewScript(`
local g = math.max(tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0'), tonumber(ARGV[2])) + 1
redis.call('HSET', KEYS[1], ARGV[1], g)
redis.call('DEL', KEYS[2])
return g
`)

// repWrite is one bucket sent, repRead one read.
type repWrite struct {
	sc reputation.Scope
	b  int64
}

type repRead struct {
	sc   reputation.Scope
	b    int64
	full bool // part of a whole read of sc
}

// repBatch is one Sync's script call and what it was built from.
type repBatch struct {
	keys    []string
	args    []any
	writes  []repWrite
	reads   []repRead
	tenants []string
	full    map[reputation.Scope]bool
	sent    map[reputation.Scope]bool // scopes whose extra went in flight
	gens    map[string]int64          // the generations the keys were built with
	cur     int64
}

// Sync implements reputation.Shared.
func (r *ReputationCounts) Sync(ctx context.Context) (read []reputation.Scope, reset []string) {
	for range 2 { // a second round when Redis turned out to have lost its data
		rd, rs, again := r.sync(ctx)
		read, reset = append(read, rd...), append(reset, rs...)
		if !again {
			break
		}
	}
	return read, reset
}

// sync is one round trip; again is true when Redis's epoch changed (it
// lost its data): everything is sent again at once.
func (r *ReputationCounts) sync(ctx context.Context) (read []reputation.Scope, reset []string, again bool) {
	if !r.c.try() {
		r.setUp(false, nil)
		return nil, nil, false
	}
	b := r.batch()
	if b == nil {
		return nil, nil, false
	}
	res, err := repSyncScript.Run(ctx, r.c.rdb, b.keys, b.args...).Slice()
	if err = r.c.observe(err); err == nil {
		err = b.check(res)
	}
	if err != nil {
		r.setUp(false, err)
		r.failed(b)
		return nil, nil, false
	}
	r.setUp(true, nil)
	return r.apply(b, res)
}

// setUp records whether Redis answered, logging a change once.
func (r *ReputationCounts) setUp(up bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !up {
		r.c.degraded()
		if !r.logged {
			r.logged = true
			r.c.log.Warn("fleet: reputation counts: redis unreachable: each node judges on its own windows", "err", err)
		}
	} else if !r.up {
		r.fullRounds = max(r.fullRounds, 5) // others' counts pushed meanwhile, into older buckets
		if r.logged {
			r.logged = false
			r.c.log.Info("fleet: reputation counts: redis answers: judging on the fleet's windows again")
		}
	}
	r.up = up
}

// batch snapshots what to send and to read; nil when there is nothing.
func (r *ReputationCounts) batch() *repBatch {
	now := r.o.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := now.UnixNano() / r.bucket
	oldest := cur - r.nb + 1
	b := &repBatch{cur: cur, full: map[reputation.Scope]bool{}, sent: map[reputation.Scope]bool{}, gens: map[string]int64{}}
	fullAll := r.fullRounds > 0
	if fullAll {
		r.fullRounds--
	}
	tenants := map[string]bool{}
	var writeKeys, readKeys []string
	var totals []any
	budget := r.o.MaxKeys
	for sc, s := range r.scopes {
		active := r.pruneScope(sc, s, now, oldest)
		gen := r.gens[sc.Tenant]
		b.gens[sc.Tenant] = gen
		var wrote []int64
		for bk := range s.dirty {
			if budget <= 0 {
				break
			}
			budget--
			delete(s.dirty, bk)
			writeKeys = append(writeKeys, r.bucketKey(sc, gen, bk))
			b.writes = append(b.writes, repWrite{sc, bk})
			for _, v := range s.own[bk] {
				totals = append(totals, v)
			}
			wrote = append(wrote, bk)
		}
		if len(s.dirty) == 0 && (len(wrote) > 0 || s.extra != (reputation.Counts{})) {
			s.inflight, s.extra = s.extra, reputation.Counts{}
			b.sent[sc] = true
			tenants[sc.Tenant] = true
		}
		if !active {
			continue
		}
		tenants[sc.Tenant] = true
		full := !s.read || fullAll || now.Sub(s.readAt) >= r.o.Resync
		if full && budget >= int(r.nb) {
			budget -= int(r.nb)
			b.full[sc] = true
			for bk := oldest; bk <= cur; bk++ {
				readKeys = append(readKeys, r.bucketKey(sc, gen, bk))
				b.reads = append(b.reads, repRead{sc, bk, true})
			}
			continue
		}
		if !s.read {
			continue // read whole by a later Sync
		}
		seen := map[int64]bool{}
		for _, bk := range append(wrote, cur-1, cur) {
			if bk >= oldest && !seen[bk] {
				seen[bk] = true
				readKeys = append(readKeys, r.bucketKey(sc, gen, bk))
				b.reads = append(b.reads, repRead{sc, bk, false})
			}
		}
	}
	for t := range r.bumps {
		tenants[t] = true
	}
	if len(b.writes) == 0 && len(b.reads) == 0 && len(r.bumps) == 0 {
		return nil
	}
	r.batchArgs(b, now, writeKeys, readKeys, totals, tenants)
	return b
}

// pruneScope drops sc's buckets older than the window (from oldest) and, when
// nothing was counted within Idle of now, its copy of the fleet's counts,
// and sc itself once it has nothing left to send. It reports whether sc
// is active. Under r.mu, from batch.
func (r *ReputationCounts) pruneScope(sc reputation.Scope, s *repScope, now time.Time, oldest int64) (active bool) {
	for bk := range s.own {
		if bk < oldest {
			delete(s.own, bk)
			delete(s.dirty, bk)
		}
	}
	active = now.Sub(s.seen) < r.o.Idle
	if !active {
		s.fleet, s.read = nil, false
		if len(s.dirty) == 0 && len(s.own) == 0 {
			delete(r.scopes, sc)
		}
	}
	return active
}

// batchArgs sets b's script keys and arguments (see repSyncScript) from what
// batch gathered: the bucket keys to write and to read, the written
// buckets' totals, and the tenants whose generations go along. Under r.mu.
//
// batch keeps those as its own variables, appended to there, rather than
// in a struct its helpers share: through a pointer they would all escape
// to the heap, allocations more per Sync.
func (r *ReputationCounts) batchArgs(b *repBatch, now time.Time, writeKeys, readKeys []string, totals []any, tenants map[string]bool) {
	b.keys = append(append([]string{r.c.key("rep", "epoch"), r.c.key("rep", "gen")}, writeKeys...), readKeys...)
	b.args = append(b.args, r.field+strconv.FormatInt(now.UnixNano(), 36), r.ttl, r.field, len(b.writes), len(tenants),
		reputation.NumCounts)
	b.args = append(b.args, totals...)
	for t := range tenants {
		b.tenants = append(b.tenants, t)
		bump := 0
		if r.bumps[t] {
			bump = 1
		}
		b.args = append(b.args, t, r.gens[t], bump)
	}
}

// check validates the script's answer against b.
func (b *repBatch) check(res []any) error {
	if len(res) != 3 {
		return fmt.Errorf("fleet: reputation sync: %d results, want 3", len(res))
	}
	if _, ok := res[0].(string); !ok {
		return fmt.Errorf("fleet: reputation sync: epoch is %T", res[0])
	}
	gens, ok1 := res[1].([]any)
	sums, ok2 := res[2].([]any)
	if !ok1 || !ok2 || len(gens) != len(b.tenants) || len(sums) != len(b.reads)*reputation.NumCounts {
		return fmt.Errorf("fleet: reputation sync: answer does not match the request")
	}
	for _, v := range append(gens, sums...) {
		if n, ok := v.(int64); !ok || n < 0 {
			return fmt.Errorf("fleet: reputation sync: bad number %v", v)
		}
	}
	return nil
}

// failed puts b's snapshot back: its buckets are sent again, its counts
// are extra again.
func (r *ReputationCounts) failed(b *repBatch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range b.writes {
		if s := r.scopes[w.sc]; s != nil {
			s.dirty[w.b] = true
		}
	}
	for sc := range b.sent {
		if s := r.scopes[sc]; s != nil {
			for i, v := range s.inflight {
				s.extra[i] += v
			}
			s.inflight = reputation.Counts{}
		}
	}
}

// apply takes in the script's answer (checked).
func (r *ReputationCounts) apply(b *repBatch, res []any) (read []reputation.Scope, reset []string, again bool) {
	epoch := res[0].(string)
	gens, sums := res[1].([]any), res[2].([]any)
	r.mu.Lock()
	defer r.mu.Unlock()
	for sc := range b.sent {
		if s := r.scopes[sc]; s != nil {
			s.inflight = reputation.Counts{}
		}
	}
	for i, t := range b.tenants {
		g := gens[i].(int64)
		bumped := r.bumps[t]
		delete(r.bumps, t)
		known, ok := r.gens[t]
		if !ok && !bumped { // first heard of here: adopt it
			r.gens[t] = g
			if g != known { // this batch used generation 0's keys: again, under g's
				r.rekey(t)
				again = true
			}
			continue
		}
		if g > known || bumped {
			r.gens[t] = max(r.gens[t], g)
			r.drop(t) // counted under the old generation: gone
			if !bumped {
				reset = append(reset, t)
			}
		}
	}
	now := r.o.Now()
	oldest := b.cur - r.nb + 1
	for i, rd := range b.reads {
		s := r.scopes[rd.sc]
		if s == nil || s.fleet == nil && !rd.full {
			continue
		}
		if _, ok := r.gens[rd.sc.Tenant]; ok && r.gens[rd.sc.Tenant] != b.gens[rd.sc.Tenant] {
			continue // read under a generation this node just left
		}
		if rd.full && b.full[rd.sc] {
			delete(b.full, rd.sc) // the first of its buckets: start afresh
			s.fleet, s.read, s.readAt = map[int64]reputation.Counts{}, true, now
			read = append(read, rd.sc)
		} else if !rd.full && (i == 0 || b.reads[i-1].sc != rd.sc) {
			read = append(read, rd.sc)
		}
		var c reputation.Counts
		for j := range c {
			c[j] = uint32(min(sums[i*reputation.NumCounts+j].(int64), math.MaxUint32))
		}
		if c == (reputation.Counts{}) {
			delete(s.fleet, rd.b)
		} else {
			s.fleet[rd.b] = c
		}
	}
	for _, sc := range read {
		if s := r.scopes[sc]; s != nil {
			r.resum(s, b.cur, oldest)
		}
	}
	if r.epoch != epoch {
		again = r.epoch != "" // Redis lost its data: every node sends everything again
		r.epoch = epoch
		if again {
			for _, s := range r.scopes {
				for bk := range s.own {
					s.dirty[bk] = true
				}
			}
			r.fullRounds = max(r.fullRounds, 5) // the others re-seed within a few rounds
		}
	}
	return read, reset, again
}

// rekey makes tenant's scopes send everything again and be read whole:
// their keys changed generation. Called with r.mu held.
func (r *ReputationCounts) rekey(tenant string) {
	for sc, s := range r.scopes {
		if sc.Tenant == tenant {
			for bk := range s.own {
				s.dirty[bk] = true
			}
			s.fleet, s.read = nil, false
		}
	}
}

// resum computes s's window sums from s.fleet: the time window is every
// bucket from oldest to cur, the count window the buckets newest first
// until WindowMessages finished messages, the last one prorated. Called
// with r.mu held.
func (r *ReputationCounts) resum(s *repScope, cur, oldest int64) {
	s.byCount, s.byTime = reputation.Counts{}, reputation.Counts{}
	n := uint32(r.o.WindowMessages)
	done := false
	for bk := cur; bk >= oldest; bk-- {
		c, ok := s.fleet[bk]
		if !ok {
			continue
		}
		for i := range c {
			s.byTime[i] += c[i]
		}
		if done {
			continue
		}
		have, more := s.byCount[reputation.CountFinished], c[reputation.CountFinished]
		if have+more <= n {
			for i := range c {
				s.byCount[i] += c[i]
			}
			continue
		}
		frac := float64(n-have) / float64(more)
		for i := range c {
			s.byCount[i] += uint32(math.Round(float64(c[i]) * frac))
		}
		done = true
	}
	for bk := range s.fleet {
		if bk < oldest {
			delete(s.fleet, bk)
		}
	}
}
