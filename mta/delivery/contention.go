package delivery

import (
	"sync"
	"time"

	"sluice/mta/shaping"
)

// contendedFor is how long after a destination was refused a connection
// slot its site counts as wanted by that destination.
const contendedFor = time.Second

// contention remembers, per (source, site), the last destination that was
// refused a connection slot for want of one, so that an idle connection of
// another destination of the site gives its slot back instead of waiting
// out its idle timeout on it (takeIdle): a site's slots serve whoever has
// mail, not whichever destination drained last. A destination's own
// refusals never count against its own connections: its queue is what
// they would serve. Real time, not the engine's clock: it paces sockets.
type contention struct {
	mu sync.Mutex
	m  map[contentionKey]wantMark
}

type contentionKey struct{ source, site string }

type wantMark struct {
	domain string
	at     time.Time
}

func keyOf(k shaping.Key) contentionKey { return contentionKey{k.Source, k.Site.Name()} }

// want records that domain was refused a slot at k.
func (c *contention) want(k shaping.Key, domain string) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[contentionKey]wantMark)
	}
	if len(c.m) >= 1024 {
		for key, w := range c.m {
			if now.Sub(w.at) >= contendedFor {
				delete(c.m, key)
			}
		}
	}
	c.m[keyOf(k)] = wantMark{domain: domain, at: now}
}

// wantedByOther reports whether a destination other than domain was
// refused a slot at k within contendedFor.
func (c *contention) wantedByOther(k shaping.Key, domain string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.m[keyOf(k)]
	return ok && w.domain != domain && time.Since(w.at) < contendedFor
}
