package tracking

import "time"

// burstCache remembers the last click of recent (message, recipient) pairs,
// to catch scanners that follow every link of a message at once: no person
// clicks two different links of one message within a second. It is a
// slotTable of max pairs. (A pair forgotten early can only miss a
// burst, never invent one.)
type burstCache struct {
	t slotTable[burstEntry]
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

// newBurstCache returns a cache of max pairs in all (max >= 1).
func newBurstCache(max int) *burstCache {
	return &burstCache{newSlotTable[burstEntry](max)}
}

// click records a click on link at now and reports whether it follows a
// click on another link of the same message and recipient by less than
// window.
func (b *burstCache) click(message uint64, rcpt uint32, link int, now time.Time, window time.Duration) bool {
	k := burstKey{message, rcpt}
	burst := false
	b.t.with(k.hash(), func(e burstEntry, used bool) burstEntry {
		if used && e.key == k {
			d := now.Sub(e.at)
			burst = e.link != link && d >= 0 && d < window
		}
		return burstEntry{key: k, link: link, at: now}
	})
	return burst
}

func (k burstKey) hash() uint64 { return k.message ^ uint64(k.rcpt)*0x9e3779b97f4a7c15 }

// len returns the number of pairs remembered.
func (b *burstCache) len() int { return b.t.len() }
