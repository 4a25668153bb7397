package tracking

import (
	"container/list"
	"sync"
	"time"
)

// burstCache remembers the last click of recent (message, recipient) pairs,
// to catch scanners that follow every link of a message at once: no person
// clicks two different links of one message within a second. It is a
// bounded LRU, sharded by pair so that concurrent clicks rarely wait on one
// lock: within a shard, the least recently clicked pair is forgotten first.
type burstCache struct {
	shards []burstShard
}

// burstShard is one lock's worth of the cache.
type burstShard struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // of *burstEntry, most recent at the front
	index map[burstKey]*list.Element
}

type burstKey struct {
	message uint64
	rcpt    uint32
}

type burstEntry struct {
	key  burstKey
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
		b.shards[i] = burstShard{max: size, ll: list.New(), index: make(map[burstKey]*list.Element)}
	}
	return b
}

// click records a click on link at now and reports whether it follows a
// click on another link of the same message and recipient by less than
// window.
func (b *burstCache) click(message uint64, rcpt uint32, link int, now time.Time, window time.Duration) bool {
	k := burstKey{message, rcpt}
	h := (message ^ uint64(rcpt)<<32 ^ uint64(rcpt)) * 0x9e3779b97f4a7c15 // Fibonacci hashing
	return b.shards[h>>32%uint64(len(b.shards))].click(k, link, now, window)
}

func (b *burstShard) click(k burstKey, link int, now time.Time, window time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if el, ok := b.index[k]; ok {
		e := el.Value.(*burstEntry)
		d := now.Sub(e.at)
		burst := e.link != link && d >= 0 && d < window
		e.link, e.at = link, now
		b.ll.MoveToFront(el)
		return burst
	}
	if b.ll.Len() >= b.max {
		old := b.ll.Back()
		b.ll.Remove(old)
		delete(b.index, old.Value.(*burstEntry).key)
	}
	b.index[k] = b.ll.PushFront(&burstEntry{key: k, link: link, at: now})
	return false
}

// len returns the number of pairs remembered.
func (b *burstCache) len() int {
	n := 0
	for i := range b.shards {
		s := &b.shards[i]
		s.mu.Lock()
		n += s.ll.Len()
		s.mu.Unlock()
	}
	return n
}
