package reputation

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

// dedupe drops from cs the per-recipient counts it has counted for its
// recipient already. An item without a message id is kept whole.
func (d *distinct) dedupe(it *item, cs []counter) []counter {
	if it.msg == 0 {
		return cs
	}
	out := cs[:0]
	for _, c := range cs {
		if perRecipient(c) && !d.first(returnKey{msg: it.msg, rcpt: it.rcpt, c: c}) {
			continue
		}
		out = append(out, c)
	}
	return out
}
