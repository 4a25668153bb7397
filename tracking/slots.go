package tracking

import "sync"

// slotTable is the fixed table behind burstCache and repeatCache: max
// slots in all, sharded so that concurrent requests rarely wait on one
// lock; a key lives in the slot its hash picks until another key takes
// the slot. There is nothing to allocate per request and nothing to
// evict: the table is the bound.
type slotTable[E any] struct {
	shards []slotShard[E]
}

// slotShard is one lock's worth of the table.
type slotShard[E any] struct {
	mu    sync.Mutex
	slots []slotEntry[E]
}

type slotEntry[E any] struct {
	used bool
	e    E
}

// slotShards is the number of shards of a large table.
const slotShards = 16

// newSlotTable returns a table of max slots in all (max >= 1).
func newSlotTable[E any](max int) slotTable[E] {
	n := min(slotShards, max)
	t := slotTable[E]{shards: make([]slotShard[E], n)}
	for i := range t.shards {
		size := max / n
		if i < max%n {
			size++
		}
		t.shards[i].slots = make([]slotEntry[E], size)
	}
	return t
}

// with runs fn on the slot of hash h under its shard's lock: the high
// half of h (mixed with murmur3's 64-bit finalizer, so every bit of the
// key counts in both) picks the shard, the low half the slot. used says
// whether the slot holds an entry; fn's result is stored in it.
func (t slotTable[E]) with(h uint64, fn func(e E, used bool) E) {
	s, i := t.locate(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slots[i] = slotEntry[E]{used: true, e: fn(s.slots[i].e, s.slots[i].used)}
}

// locate returns the shard and the slot of hash h (see with).
func (t slotTable[E]) locate(h uint64) (*slotShard[E], int) {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	s := &t.shards[(h>>32)*uint64(len(t.shards))>>32]
	return s, int((h & 0xffffffff) * uint64(len(s.slots)) >> 32)
}

// len returns the number of slots in use.
func (t slotTable[E]) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
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
