package tracking

import "time"

// repeatCache remembers when the open, or the click on one link, of recent
// (message, recipient) pairs was last recorded, so that the same request
// repeated is answered but recorded once per RepeatWindow. Without it one
// token in a stranger's hands (every recipient holds its own) wrote an
// event per request: 5,000 clicks a second from one connection, each a
// row in the event store that every tenant's data shares a disk with, and
// a webhook call to the tenant (redteam2). It is a slotTable like
// burstCache: a key lives in the slot its hash picks until another takes
// the slot, so forgetting early can only record a repeat, never drop a
// first request.
type repeatCache struct {
	t slotTable[repeatEntry]
}

// repeatKey is one recordable thing: link is the clicked link, or -1 for
// the open pixel; a machine's request (a scanner's, a HEAD) and a
// person's are apart, so that one never hides the other.
type repeatKey struct {
	message uint64
	rcpt    uint32
	link    int32
	machine bool
}

type repeatEntry struct {
	key repeatKey
	at  time.Time
}

// newRepeatCache returns a cache of max keys in all (max >= 1).
func newRepeatCache(max int) *repeatCache {
	return &repeatCache{newSlotTable[repeatEntry](max)}
}

// first reports whether k at now is to be recorded: it was not recorded
// less than window ago. A recorded one restarts the window; a repeat does
// not, so a steady stream is recorded once per window.
func (r *repeatCache) first(k repeatKey, now time.Time, window time.Duration) bool {
	first := true
	r.t.with(k.hash(), func(e repeatEntry, used bool) repeatEntry {
		if used && e.key == k {
			if d := now.Sub(e.at); d >= 0 && d < window {
				first = false
				return e // a repeat does not restart the window
			}
		}
		return repeatEntry{key: k, at: now}
	})
	return first
}

// recent reports whether k was recorded less than window before now,
// recording nothing: for a request whose recording may still fail (an
// unsubscribe is written before it counts).
func (r *repeatCache) recent(k repeatKey, now time.Time, window time.Duration) bool {
	s, i := r.t.locate(k.hash())
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.slots[i]
	if !e.used || e.e.key != k {
		return false
	}
	d := now.Sub(e.e.at)
	return d >= 0 && d < window
}

// hash is k's slot hash.
func (k repeatKey) hash() uint64 {
	h := k.message ^ uint64(k.rcpt)*0x9e3779b97f4a7c15 ^ uint64(uint32(k.link))*0xbf58476d1ce4e5b9
	if k.machine {
		h = ^h
	}
	return h
}
