package reputation

import (
	"hash/maphash"
	"time"
)

// returnKey names one recipient's return of one kind: the message, the
// recipient's index and the counter it adds.
type returnKey struct {
	msg  uint64
	rcpt uint32
	c    counter
}

// maxDistinct is how many recipients' returns the guard remembers to
// count each once (about 1.5 MiB); past it the oldest are forgotten.
const maxDistinct = 1 << 16

// distinct remembers the returns counted lately, so that the windows
// count recipients, not returns: a recipient who replays its own bounce
// or complaint (its VERP return path and tracking links are in its copy)
// a thousand times is one hard bounce or one complaint. mta/inbound
// refuses replays durably before they reach the journal; this is the
// guard's own rule, whatever feeds it. A ring bounds it: the oldest key
// makes room for the newest. Guarded by Guard.mu.
type distinct struct {
	seen map[returnKey]struct{}
	ring []returnKey
	next int

	// The mailboxes' counts (perAddress): a hash of (tenant, canonical
	// address, counter) and when it last counted, in a ring of its own.
	seed     maphash.Seed
	addrs    map[uint64]int64
	addrRing []uint64
	addrNext int
}

// first reports whether k is new, remembering it.
func (d *distinct) first(k returnKey) bool {
	if d.seen == nil {
		d.seen = make(map[returnKey]struct{})
	}
	if _, ok := d.seen[k]; ok {
		return false
	}
	if len(d.ring) < maxDistinct {
		d.ring = append(d.ring, k)
	} else {
		delete(d.seen, d.ring[d.next])
		d.ring[d.next] = k
		d.next = (d.next + 1) % maxDistinct
	}
	d.seen[k] = struct{}{}
	return true
}

// perRecipient reports whether c counts at most once per recipient of a
// message: the counts of what a recipient's receiver or the recipient
// says about it (complaints, dead address, unsubscribe, block), not the
// message's outcome.
func perRecipient(c counter) bool {
	switch c {
	case cComplaint, cHard, cUnsub, cBlock:
		return true
	}
	return false
}

// perAddress reports whether c counts at most once per (tenant, mailbox)
// per time window, whichever messages and recipients it came through: a
// dead address is one bad entry of the tenant's list however many copies
// bounced (one mailbox listed five times in one message, in five
// spellings, was five hard bounces before submission collapsed them, and
// copies queued before the first bounce suppressed it still are), and one
// person complaining or unsubscribing through several copies is one
// person. Blocks are not: a receiver's policy refusal judges each message.
func perAddress(c counter) bool {
	switch c {
	case cComplaint, cHard, cUnsub:
		return true
	}
	return false
}

// dedupe drops from cs the per-recipient counts it has counted for its
// recipient already, and the per-address counts it has counted for
// tenant's mailbox addr (canonical; "" unknown) less than window before
// now. An item without a message id is kept whole.
func (d *distinct) dedupe(it *item, cs []counter, tenant, addr string, now time.Time, window time.Duration) []counter {
	if it.msg == 0 {
		return cs
	}
	out := cs[:0]
	for _, c := range cs {
		if perRecipient(c) && !d.first(returnKey{msg: it.msg, rcpt: it.rcpt, c: c}) {
			continue
		}
		if addr != "" && perAddress(c) && !d.firstAddr(tenant, addr, c, now, window) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// firstAddr reports whether c has not counted for tenant's addr within
// window before now, remembering now if so. The map holds 64-bit hashes
// (a collision among 65,536 keys is about 1 in 10^10), bounded by a ring
// as first's is.
func (d *distinct) firstAddr(tenant, addr string, c counter, now time.Time, window time.Duration) bool {
	if d.addrs == nil {
		d.addrs = make(map[uint64]int64)
		d.seed = maphash.MakeSeed()
	}
	var h maphash.Hash
	h.SetSeed(d.seed)
	h.WriteString(tenant)
	h.WriteByte(0)
	h.WriteString(addr)
	h.WriteByte(byte(c))
	k, t := h.Sum64(), now.UnixNano()
	if at, ok := d.addrs[k]; ok {
		if t-at < int64(window) && t >= at {
			return false
		}
		d.addrs[k] = t
		return true
	}
	if len(d.addrRing) < maxDistinct {
		d.addrRing = append(d.addrRing, k)
	} else {
		delete(d.addrs, d.addrRing[d.addrNext])
		d.addrRing[d.addrNext] = k
		d.addrNext = (d.addrNext + 1) % maxDistinct
	}
	d.addrs[k] = t
	return true
}
