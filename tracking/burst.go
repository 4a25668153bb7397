package tracking

import (
	"sync"
	"time"
)

// burstCache remembers the last click of recent (message, recipient) pairs,
// to catch scanners that follow every link of a message at once: no person
// clicks two different links of one message within a second. It is a
// fixed table of max slots, sharded so that concurrent clicks rarely wait
// on one lock; a pair lives in the slot its hash picks until another pair
// takes the slot. There is nothing to allocate per click and nothing to
// evict: the table is the bound. (A pair forgotten early can only miss a
// burst, never invent one.)
type burstCache struct {
	shards []burstShard
}

// burstShard is one lock's worth of the table.
type burstShard struct {
	mu    sync.Mutex
	slots []burstEntry
}

type burstKey struct {
	message uint64
	rcpt    uint32
}

type burstEntry struct {
	key  burstKey
	used bool
	link int
	at   time.Time
}

// burstShards is the number of shards of a large cache.
const burstShards = 16

// newBurstCache returns a cache of max pairs in all (max >= 1).
func newBurstCache(max int) *burstCache {
	n := min(burstShards, max)
	b := &burstCache{shards: make([]burstShard, n)}
	for i := range b.shards {
		size := max / n
		if i < max%n {
			size++
		}
		b.shards[i].slots = make([]burstEntry, size)
	}
	return b
}

// click records a click on link at now and reports whether it follows a
// click on another link of the same message and recipient by less than
// window.
func (b *burstCache) click(message uint64, rcpt uint32, link int, now time.Time, window time.Duration) bool {
	k := burstKey{message, rcpt}
	s, i := b.slot(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := &s.slots[i]
	burst := false
	if e.used && e.key == k {
		d := now.Sub(e.at)
		burst = e.link != link && d >= 0 && d < window
	}
	*e = burstEntry{key: k, used: true, link: link, at: now}
	return burst
}

// slot returns the shard and the slot in it where k lives: the high half
// of a mixed 64-bit hash picks the shard, the low half the slot, each
// scaled to its range (so every bit of the key counts in both).
func (b *burstCache) slot(k burstKey) (*burstShard, int) {
	h := k.message ^ uint64(k.rcpt)*0x9e3779b97f4a7c15
	h ^= h >> 33 // murmur3's 64-bit finalizer
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	s := &b.shards[(h>>32)*uint64(len(b.shards))>>32]
	return s, int((h & 0xffffffff) * uint64(len(s.slots)) >> 32)
}

// len returns the number of pairs remembered.
func (b *burstCache) len() int {
	n := 0
	for i := range b.shards {
		s := &b.shards[i]
		s.mu.Lock()
		for _, e := range s.slots {
			if e.used {
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}
