package queue

import bolt "go.etcd.io/bbolt"

// Priority is a message's priority within its stream: the
// X-Sluice-Priority header, or its tenant's default.
type Priority uint8

// The priorities. Normal is the zero value, so records written before
// priorities existed read as normal.
const (
	PriorityNormal Priority = iota
	PriorityHigh
	PriorityLow
)

// String returns "high", "normal" or "low".
func (p Priority) String() string {
	switch p {
	case PriorityHigh:
		return "high"
	case PriorityLow:
		return "low"
	}
	return "normal"
}

// LowerPriority returns the lower of p and ceiling (low < normal < high).
func LowerPriority(p, ceiling Priority) Priority {
	rank := func(p Priority) int {
		switch p {
		case PriorityHigh:
			return 2
		case PriorityLow:
			return 0
		}
		return 1
	}
	if rank(p) > rank(ceiling) {
		return ceiling
	}
	return p
}

// ParsePriority parses an X-Sluice-Priority value or a configured default
// (case-insensitive).
func ParsePriority(s string) (Priority, bool) {
	switch {
	case equalFold(s, "high"):
		return PriorityHigh, true
	case equalFold(s, "normal"):
		return PriorityNormal, true
	case equalFold(s, "low"):
		return PriorityLow, true
	}
	return PriorityNormal, false
}

// Class is a recipient's scheduling class: its rank in the order claims
// and destinations serve due mail, 0 first. The stream decides first
// (every transactional class before every marketing one: a password reset
// must not wait behind a campaign), then the priority within it.
//
// No class starves (the rule, documented in docs/ARCHITECTURE.md): each
// class has its own skip window in a claim and its own room per domain in
// the delivery engine, so a backlog of one class never hides another's due
// mail from a claim; one claim in StarveEvery visits the classes lowest
// first (ClaimOptions.LowFirst); and a destination serves one transaction
// in StarveEvery to the job that has waited longest, whatever its class
// (mta/delivery). Under a sustained higher-class load a lower class still
// gets at least 1/StarveEvery of each destination's transactions.
type Class uint8

// The classes, in the order they are served.
const (
	ClassTransactionalHigh Class = iota
	ClassTransactional
	ClassTransactionalLow
	ClassMarketingHigh
	ClassMarketing // the default: marketing at normal priority
	ClassMarketingLow
	NumClasses = 6
)

// StarveEvery is the anti-starvation period (see Class): one claim and
// one transaction per destination in StarveEvery serve lower classes.
const StarveEvery = 8

// ClassOf returns the class of mail of stream s at priority p.
func ClassOf(s Stream, p Priority) Class {
	base := ClassMarketingHigh
	if s == Transactional {
		base = ClassTransactionalHigh
	}
	switch p {
	case PriorityHigh:
		return base
	case PriorityLow:
		return base + 2
	}
	return base + 1 // normal, and any unknown stored value
}

// classOf is ClassOf unless Options.NoPriorities puts everything in the
// default class.
func (s *Store) classOf(st Stream, p Priority) Class {
	if s.opts.NoPriorities {
		return ClassMarketing
	}
	return ClassOf(st, p)
}

// String names the class as stream/priority ("transactional/high").
func (c Class) String() string {
	s, p := Marketing, PriorityNormal
	if c < ClassMarketingHigh {
		s = Transactional
	}
	switch c % 3 {
	case 0:
		p = PriorityHigh
	case 2:
		p = PriorityLow
	}
	return s.String() + "/" + p.String()
}

// The schedule index is split by class. The default class (marketing,
// normal) keeps the original bucket and key (due|id|idx), so a spool
// written before priorities needs no migration: its entries are read as
// the default class wherever their messages' streams would place them
// now, and move to their own class when next booked (a claim's retry
// booking). Every other class lives in bucketSchedPrio under a one-byte
// class prefix (class|due|id|idx), so each class is a due-ordered range.
var bucketSchedPrio = []byte("sched_p")

// class returns the class whose part of the schedule r's entry is in.
func (r *rcpt) class() Class {
	if r.Cls == 0 || r.Cls > NumClasses {
		return ClassMarketing
	}
	return Class(r.Cls - 1)
}

// setClass records c as r's class (encode stores it).
func (r *rcpt) setClass(c Class) { r.Cls = uint8(c) + 1 }

// schedule is the schedule index of one transaction: every class's part,
// and the per-destination copy of it (claim_dest.go) that every put and
// del keeps in step.
type schedule struct {
	main, prio, dest *bolt.Bucket
}

func scheduleOf(tx *bolt.Tx) schedule {
	return schedule{main: tx.Bucket(bucketSched), prio: tx.Bucket(bucketSchedPrio), dest: tx.Bucket(bucketSchedDest)}
}

// key returns the key of (due, id, idx) in class c's part.
func (s schedule) key(c Class, due int64, id ID, idx uint32) (*bolt.Bucket, []byte) {
	if c == ClassMarketing {
		return s.main, schedKey(due, id, idx)
	}
	var b [21]byte
	b[0] = byte(c)
	copy(b[1:], schedKey(due, id, idx))
	return s.prio, b[:]
}

// put books r (id, idx) at r.Next in its class's part and under its
// destination.
func (s schedule) put(r *rcpt, id ID, idx uint32) error {
	c := r.class()
	b, k := s.key(c, r.Next, id, idx)
	if err := b.Put(k, nil); err != nil {
		return err
	}
	return s.dest.Put(destKey(c, Domain(r.Addr), r.Next, id, idx), nil)
}

// del removes r's entry at r.Next from its class's part and from under
// its destination.
func (s schedule) del(r *rcpt, id ID, idx uint32) error {
	return s.drop(schedEntry{class: r.class(), due: r.Next, id: id, idx: idx, dom: Domain(r.Addr), domKnown: true})
}

// drop removes entry e from both indexes: from the per-destination one
// only when e's domain is known (a stale entry whose recipient is gone is
// then removed where it is found).
func (s schedule) drop(e schedEntry) error {
	b, k := s.key(e.class, e.due, e.id, e.idx)
	if err := b.Delete(k); err != nil {
		return err
	}
	if !e.domKnown {
		return nil
	}
	return s.dest.Delete(destKey(e.class, e.dom, e.due, e.id, e.idx))
}

// schedEntry is one schedule index entry found by a scan.
type schedEntry struct {
	class Class
	due   int64
	id    ID
	idx   uint32
	// dom is the recipient's domain when the scan knows it (the
	// per-destination walk reads it from the key).
	dom      string
	domKnown bool
}

// scanDue appends to out up to n entries of class c due at or before now,
// in due order.
func (s schedule) scanDue(out []schedEntry, c Class, now int64, n int) []schedEntry {
	if n <= 0 {
		return out
	}
	b := s.main
	var prefix []byte
	if c != ClassMarketing {
		b, prefix = s.prio, []byte{byte(c)}
	}
	cur := b.Cursor()
	var k []byte
	if prefix == nil {
		k, _ = cur.First()
	} else {
		k, _ = cur.Seek(prefix)
	}
	for added := 0; k != nil && added < n; k, _ = cur.Next() {
		if prefix != nil && (len(k) == 0 || k[0] != prefix[0]) {
			break
		}
		due, id, idx, ok := parseSchedKey(k[len(prefix):])
		if !ok {
			continue
		}
		if due > now {
			break
		}
		out = append(out, schedEntry{class: c, due: due, id: id, idx: idx})
		added++
	}
	return out
}

// first returns the earliest due time of any class.
func (s schedule) first() (int64, bool) {
	var best int64
	found := false
	if k, _ := s.main.Cursor().First(); k != nil {
		if d, _, _, ok := parseSchedKey(k); ok {
			best, found = d, true
		}
	}
	cur := s.prio.Cursor()
	for c := Class(0); c < NumClasses; c++ {
		if c == ClassMarketing {
			continue
		}
		k, _ := cur.Seek([]byte{byte(c)})
		if len(k) == 0 || k[0] != byte(c) {
			continue
		}
		if d, _, _, ok := parseSchedKey(k[1:]); ok && (!found || d < best) {
			best, found = d, true
		}
	}
	return best, found
}
