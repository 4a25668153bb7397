package tracking

import (
	"container/list"
	"sync"
	"time"
)

// burstCache remembers the last click of recent (message, recipient) pairs,
// to catch scanners that follow every link of a message at once: no person
// clicks two different links of one message within a second. It is a
// bounded LRU: the least recently clicked pair is forgotten first.
type burstCache struct {
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

func newBurstCache(max int) *burstCache {
	return &burstCache{max: max, ll: list.New(), index: make(map[burstKey]*list.Element)}
}

// click records a click on link at now and reports whether it follows a
// click on another link of the same message and recipient by less than
// window.
func (b *burstCache) click(message uint64, rcpt uint32, link int, now time.Time, window time.Duration) bool {
	k := burstKey{message, rcpt}
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
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ll.Len()
}
