package guard

import (
	"container/list"
	"time"
)

// failures is the throttle's memory of one key (a client address group, or
// a username and address group).
type failures struct {
	key      string
	count    int       // failed attempts not yet forgotten
	last     time.Time // last failure: the entry expires at last+ttl
	until    time.Time // locked until then (zero: not locked)
	inFlight int       // attempts between Begin and their outcome
	elem     *list.Element
}

// table is a map with expiry and a hard size cap. Entries are kept in
// the order of their last failure (front: newest); since every entry
// lives for the same ttl after it, the back is always the next to expire,
// and when the table is full the back (the oldest) is evicted.
type table struct {
	ttl   time.Duration
	max   int
	m     map[string]*failures
	order list.List
}

func newTable(ttl time.Duration, max int) *table {
	return &table{ttl: ttl, max: max, m: map[string]*failures{}}
}

// get returns the live entry for key, or nil.
func (t *table) get(key string, now time.Time) *failures {
	f := t.m[key]
	if f != nil && t.expired(f, now) {
		if f.inFlight > 0 { // an attempt still holds it: forget the past only
			f.count, f.until = 0, time.Time{}
			return f
		}
		t.remove(f)
		return nil
	}
	return f
}

func (t *table) expired(f *failures, now time.Time) bool {
	return f.count > 0 && !now.Before(f.last.Add(t.ttl)) && !now.Before(f.until)
}

// ensure returns the entry for key, creating it (and making room) when
// absent.
func (t *table) ensure(key string, now time.Time) *failures {
	if f := t.get(key, now); f != nil {
		return f
	}
	t.sweep(now)
	for len(t.m) >= t.max {
		back := t.order.Back()
		if back == nil {
			break
		}
		t.remove(back.Value.(*failures))
	}
	f := &failures{key: key, last: now}
	f.elem = t.order.PushFront(f)
	t.m[key] = f
	return f
}

// touch records a failure's time: the entry moves to the front.
func (t *table) touch(f *failures, now time.Time) {
	f.last = now
	if f.elem != nil {
		t.order.MoveToFront(f.elem)
	}
}

// sweep drops expired entries from the back, a few at a time, so memory
// follows the attack rather than waiting for the cap.
func (t *table) sweep(now time.Time) {
	for range 16 {
		back := t.order.Back()
		if back == nil {
			return
		}
		f := back.Value.(*failures)
		if f.inFlight > 0 || !t.expired(f, now) && f.count > 0 {
			return
		}
		t.remove(f)
	}
}

// release drops an entry that no attempt holds and that records nothing.
func (t *table) release(f *failures) {
	if f.inFlight == 0 && f.count == 0 && f.until.IsZero() {
		t.remove(f)
	}
}

func (t *table) remove(f *failures) {
	if f.elem != nil {
		t.order.Remove(f.elem)
		f.elem = nil
	}
	if t.m[f.key] == f {
		delete(t.m, f.key)
	}
}

func (t *table) len() int { return len(t.m) }
