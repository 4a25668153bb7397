package webhook

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
	"sluice/tracking/events"
)

// entrySizeHint is a typical record's size, its length prefix included,
// in bytes.
const entrySizeHint = 96

// Bucket names (see the package doc).
var (
	bucketOut   = []byte("wh_out")
	bucketState = []byte("wh_state")
)

// Store is the events store as the outbox keeps its queues in it: its
// transactions, limited to buckets of the outbox's own (events.Tx).
// *events.Store implements it.
type Store interface {
	View(fn func(*events.Tx) error) error
	Update(fn func(*events.Tx) error) error
	// Batch shares one write transaction between concurrent callers; fn
	// may run more than once.
	Batch(fn func(*events.Tx) error) error
}

var _ Store = (*events.Store)(nil)

// Outbox is the durable queue of webhook deliveries, one queue per
// endpoint, in the events database. Its Append method is the events
// store's InTx hook (its subscriber). Its methods are safe for concurrent
// use.
type Outbox struct {
	routes map[string]*route // by tenant; read-only after NewOutbox
	now    func() time.Time
}

// route is one endpoint's state shared by the outbox and the dispatcher.
type route struct {
	Endpoint
	kinds map[events.Kind]bool // nil: every kind
	host  string
	wake  chan struct{} // capacity 1: entries were committed

	sent, requests, failed, expired, rejected atomic.Uint64
}

// NewOutbox returns the outbox of endpoints, one per tenant. now is the
// clock that dates entries (for Config.MaxAge); nil means clock.Now.
func NewOutbox(endpoints []Endpoint, now func() time.Time) (*Outbox, error) {
	if now == nil {
		now = clock.Now
	}
	o := &Outbox{routes: make(map[string]*route, len(endpoints)), now: now}
	for _, ep := range endpoints {
		if err := ep.check(); err != nil {
			return nil, err
		}
		if o.routes[ep.Tenant] != nil {
			return nil, fmt.Errorf("%w: tenant %q has two endpoints", ErrEndpoint, ep.Tenant)
		}
		ep.Secret = append([]byte(nil), ep.Secret...)
		ep.Kinds = append([]events.Kind(nil), ep.Kinds...)
		r := &route{Endpoint: ep, host: ep.host(), wake: make(chan struct{}, 1)}
		if len(ep.Kinds) > 0 {
			r.kinds = make(map[events.Kind]bool, len(ep.Kinds))
			for _, k := range ep.Kinds {
				r.kinds[k] = true
			}
		}
		o.routes[ep.Tenant] = r
	}
	return o, nil
}

// signal wakes the endpoint's sender, or leaves a wake-up pending.
func (r *route) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// pending is a value being built by Append for one route.
type pending struct {
	r   *route
	v   []byte
	n   int
	all [][]byte // the full values before v, for a huge batch
}

// Append queues a delivery for each event of evs whose tenant has an
// endpoint that wants its kind, in tx. It is meant as the events store's
// InTx hook: the entries commit with the events or not at all, and the
// endpoints' senders are woken after the commit. Anonymous events are
// skipped: they are not stored, and are never sent.
func (o *Outbox) Append(tx *events.Tx, evs []events.Event) error {
	if len(o.routes) == 0 {
		return nil
	}
	var (
		ps      []*pending
		last    *pending
		scratch []byte
		queued  int64
	)
	for i := range evs {
		ev := &evs[i]
		var r *route
		if last != nil && last.r.Tenant == ev.Tenant {
			r = last.r
		} else if r = o.routes[ev.Tenant]; r == nil {
			continue
		}
		if r.kinds != nil && !r.kinds[ev.Kind] {
			continue
		}
		p := last
		if p == nil || p.r != r {
			if p = findPending(ps, r); p == nil {
				if queued == 0 {
					queued = o.now().UnixNano()
				}
				p = &pending{r: r, v: newValue(queued, min(len(evs)-i, 64))}
				ps = append(ps, p)
			}
			last = p
		}
		if p.n == maxPerValue {
			setCount(p.v, p.n)
			p.all = append(p.all, p.v)
			p.v, p.n = newValue(queued, len(evs)-i), 0
		}
		p.v, scratch = appendRecord(p.v, scratch, ev)
		p.n++
	}
	var woken []*route
	for _, p := range ps {
		setCount(p.v, p.n)
		if err := o.put(tx, p.r.Tenant, append(p.all, p.v), uint64(len(p.all)*maxPerValue+p.n)); err != nil {
			return err
		}
		woken = append(woken, p.r)
	}
	if len(woken) > 0 {
		tx.OnCommit(func() {
			for _, r := range woken {
				r.signal()
			}
		})
	}
	return nil
}

func findPending(ps []*pending, r *route) *pending {
	for _, p := range ps {
		if p.r == r {
			return p
		}
	}
	return nil
}

// put stores values (n entries in all) at the end of tenant's queue.
func (o *Outbox) put(tx *events.Tx, tenant string, values [][]byte, n uint64) error {
	out, err := tx.CreateBucketIfNotExists(bucketOut)
	if err != nil {
		return fmt.Errorf("webhook: outbox: %w", err)
	}
	q, err := out.CreateBucketIfNotExists([]byte(tenant))
	if err != nil {
		return fmt.Errorf("webhook: outbox %s: %w", tenant, err)
	}
	q.SetFillPercent(0.95) // appended at the end, deleted from the head
	st, ok := getState(tx, tenant)
	if !ok {
		if st, err = newState(); err != nil {
			return err
		}
	}
	for _, v := range values {
		seq, err := q.NextSequence()
		if err != nil {
			return fmt.Errorf("webhook: outbox %s: %w", tenant, err)
		}
		if err := q.Put(seqKey(seq), v); err != nil {
			return fmt.Errorf("webhook: outbox %s: %w", tenant, err)
		}
	}
	st.appended += n
	if err := putState(tx, tenant, &st); err != nil {
		return fmt.Errorf("webhook: outbox %s: %w", tenant, err)
	}
	return nil
}

// entry is one queued delivery, copied out of its transaction.
type entry struct {
	pos position
	ev  events.Event
}

// head is what the dispatcher reads from the head of a queue: the span
// [from, to) of entries, of which live are to be sent, and the others
// were found expired, unreadable or erased. Consuming the span (advance)
// after the live ones are delivered keeps the queue contiguous.
type head struct {
	prefix           [8]byte
	from, to         position
	span             uint64 // entries looked at, erased ones included
	live             []entry
	expired, corrupt int
}

// maxScan bounds the entries a read looks at beyond those it returns.
const maxScan = 10000

// queueBucket returns tenant's queue, or nil.
func queueBucket(tx *events.Tx, tenant string) *events.Bucket {
	out := tx.Bucket(bucketOut)
	if out == nil {
		return nil
	}
	return out.Bucket([]byte(tenant))
}

// readHead reads, in one read transaction, up to n live entries from the
// head of r's queue, skipping (and counting) entries queued before cutoff
// or unreadable, looking at no more than n + maxScan entries.
func (o *Outbox) readHead(db Store, r *route, n int, cutoff time.Time) (head, error) {
	var h head
	err := db.View(func(tx *events.Tx) error {
		st, ok := getState(tx, r.Tenant)
		q := queueBucket(tx, r.Tenant)
		if !ok || q == nil {
			return nil
		}
		h.prefix, h.from, h.to = st.prefix, st.head, st.head
		c := q.Cursor()
		for k, v := c.Seek(seqKey(st.head.seq)); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				continue
			}
			seq := binary.BigEndian.Uint64(k)
			var skip uint32
			if seq == st.head.seq {
				skip = st.head.idx
			}
			if !h.readValue(r.Tenant, seq, skip, v, n, cutoff) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return head{}, fmt.Errorf("webhook: read outbox %s: %w", r.Tenant, err)
	}
	return h, nil
}

// readValue adds the entries of value seq from index skip to h. It
// reports whether the next value should be read too.
func (h *head) readValue(tenant string, seq uint64, skip uint32, v []byte, n int, cutoff time.Time) bool {
	count, queued, recs, err := header(v)
	if err != nil {
		h.corrupt++ // its entries are unknown: the depth stays off by them
		h.to = position{seq + 1, 0}
		return true
	}
	expired := queued.Before(cutoff)
	for i := 0; i < count; i++ {
		rec, rest, ok := nextRecord(recs)
		if !ok {
			left := uint64(count - max(i, int(skip)))
			h.corrupt += int(left)
			h.span += left
			break
		}
		recs = rest
		if i < int(skip) {
			continue
		}
		if len(h.live) >= n || int(h.span)-len(h.live) >= maxScan {
			h.to = position{seq, uint32(i)}
			return false
		}
		h.span++
		if len(rec) == 0 {
			continue // erased: already counted as done
		}
		switch ev, err := decodeRecord(rec); {
		case expired:
			h.expired++
		case err != nil:
			h.corrupt++
		default:
			ev.Tenant = tenant
			h.live = append(h.live, entry{pos: position{seq, uint32(i)}, ev: ev})
		}
	}
	h.to = position{seq + 1, 0}
	return true
}

// advance consumes the entries of r's queue from position from to to:
// values before to are deleted and the head moves to to. It is a no-op
// when the head is not at from (already done): db.Batch may run it twice.
// The entries it adds to done are counted here, not when the span was
// read: an erasure since then counted those it erased.
func (o *Outbox) advance(db Store, r *route, from, to position) error {
	err := db.Batch(func(tx *events.Tx) error {
		st, ok := getState(tx, r.Tenant)
		if !ok || st.head != from {
			return nil
		}
		if q := queueBucket(tx, r.Tenant); q != nil {
			st.done += unerased(q, from, to)
			var del [][]byte
			c := q.Cursor()
			limit := seqKey(to.seq)
			for k, _ := c.Seek(seqKey(from.seq)); k != nil && bytes.Compare(k, limit) < 0; k, _ = c.Next() {
				del = append(del, bytes.Clone(k))
			}
			// Deleting under a moving cursor can skip keys: collect first.
			for _, k := range del {
				if err := q.Delete(k); err != nil {
					return err
				}
			}
		}
		st.head = to
		return putState(tx, r.Tenant, &st)
	})
	if err != nil {
		return fmt.Errorf("webhook: outbox %s: %w", r.Tenant, err)
	}
	return nil
}

// unerased counts the entries of q in [from, to) that are not erased, as
// readValue counts them: nothing for a value whose header is unreadable
// (its entries are unknown), every entry left after a broken framing.
func unerased(q *events.Bucket, from, to position) uint64 {
	var n uint64
	c := q.Cursor()
	for k, v := c.Seek(seqKey(from.seq)); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			continue
		}
		seq := binary.BigEndian.Uint64(k)
		if seq > to.seq || (seq == to.seq && to.idx == 0) {
			break
		}
		count, _, recs, err := header(v)
		if err != nil {
			continue
		}
		start, end := 0, count
		if seq == from.seq {
			start = int(from.idx)
		}
		if seq == to.seq {
			end = min(end, int(to.idx))
		}
		for i := 0; i < end; i++ {
			rec, rest, ok := nextRecord(recs)
			if !ok {
				n += uint64(end - max(i, start))
				break
			}
			recs = rest
			if i >= start && len(rec) > 0 {
				n++
			}
		}
	}
	return n
}

// depth returns the number of entries in r's queue and the time the
// oldest value was queued, from the state and the first value: no scan.
func (o *Outbox) depth(db Store, r *route) (n uint64, oldest time.Time, err error) {
	err = db.View(func(tx *events.Tx) error {
		st, ok := getState(tx, r.Tenant)
		if !ok {
			return nil
		}
		if st.appended > st.done {
			n = st.appended - st.done
		}
		if q := queueBucket(tx, r.Tenant); q != nil && n > 0 {
			if _, v := q.Cursor().First(); v != nil {
				if _, queued, _, err := header(v); err == nil {
					oldest = queued
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("webhook: outbox depth %s: %w", r.Tenant, err)
	}
	return n, oldest, nil
}

// prepare deletes, at start-up, the queues of tenants that have no
// endpoint any more (their webhook was removed from the configuration).
// It returns the number of entries deleted and the tenants.
func (o *Outbox) prepare(db Store) (removed uint64, tenants []string, err error) {
	err = db.Update(func(tx *events.Tx) error {
		var orphans [][]byte
		for _, name := range [][]byte{bucketOut, bucketState} {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, _ []byte) error {
				if o.routes[string(k)] == nil && !containsName(orphans, k) {
					orphans = append(orphans, bytes.Clone(k))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		for _, name := range orphans {
			if st, ok := getState(tx, string(name)); ok && st.appended > st.done {
				removed += st.appended - st.done
			}
			if out := tx.Bucket(bucketOut); out != nil && out.Bucket(name) != nil {
				if err := out.DeleteBucket(name); err != nil {
					return err
				}
			}
			if sb := tx.Bucket(bucketState); sb != nil {
				if err := sb.Delete(name); err != nil {
					return err
				}
			}
			tenants = append(tenants, string(name))
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("webhook: prepare outbox: %w", err)
	}
	return removed, tenants, nil
}

func containsName(names [][]byte, k []byte) bool {
	for _, n := range names {
		if bytes.Equal(n, k) {
			return true
		}
	}
	return false
}
