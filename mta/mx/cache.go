package mx

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// answer is what the resolver learnt about one (name, type): records, or a
// permanent negative result. It is immutable once cached: readers share it,
// and LookupMX copies hosts before shuffling them.
type answer struct {
	hosts   []Host       // MX, sorted by preference
	addrs   []netip.Addr // A or AAAA, in answer order
	txts    []string     // TXT, each record's strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2)
	err     error        // ErrNoSuchDomain, ErrNullMX or errNoData; nil when positive
	expires time.Time
}

// cacheKey identifies a question. name is normalized (lower case, no
// trailing dot).
type cacheKey struct {
	name  string
	qtype uint16
}

// cache is a bounded LRU of answers. Expired entries are dropped when they
// are read; the least recently used entry makes room when it is full.
type cache struct {
	mu  sync.Mutex
	max int
	ll  list.List // of *cacheEntry, most recently used first
	m   map[cacheKey]*list.Element
}

type cacheEntry struct {
	key cacheKey
	ans *answer
}

func newCache(size int) *cache {
	return &cache{max: size, m: make(map[cacheKey]*list.Element, min(size, 1024))}
}

// get returns the answer for k if one is cached and not expired at now.
func (c *cache) get(k cacheKey, now time.Time) (*answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return nil, false
	}
	ent := e.Value.(*cacheEntry)
	if !now.Before(ent.ans.expires) {
		c.ll.Remove(e)
		delete(c.m, k)
		return nil, false
	}
	c.ll.MoveToFront(e)
	return ent.ans, true
}

// put stores a for k, replacing any previous answer, evicting the least
// recently used entries beyond the size bound.
func (c *cache) put(k cacheKey, a *answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.Value.(*cacheEntry).ans = a
		c.ll.MoveToFront(e)
		return
	}
	c.m[k] = c.ll.PushFront(&cacheEntry{key: k, ans: a})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*cacheEntry).key)
	}
}

// len returns the number of entries, expired or not.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
