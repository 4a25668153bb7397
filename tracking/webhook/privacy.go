package webhook

import (
	"context"
	"encoding/binary"
	"fmt"

	"sluice/tracking/events"
)

// Bounds on the transactions of a data subject request, so that the
// events writer (whose commits append to the outbox, and wait for a write
// transaction, or for every read transaction when the memory map must
// grow) is never held up for long: a read transaction reads at most
// scanValues values or about scanBytes; a write transaction rewrites at
// most eraseValues values or about eraseBytes.
const (
	scanValues  = 256
	scanBytes   = 4 << 20
	eraseValues = 64
	eraseBytes  = 1 << 20
)

// ExportRecipients returns the entries of tenant's queue (in db, the
// events store) for recipients ids that are still to be sent, in
// order, as they would be sent but without recipient address: the outbox's
// part of an access request (GDPR Art. 15). Entries past Config.MaxAge,
// which the dispatcher will drop, are included.
func (o *Outbox) ExportRecipients(ctx context.Context, db Store, tenant string, ids []events.RecipientID) ([]Event, error) {
	want := recipientSet(ids)
	var out []Event
	err := scanQueue(ctx, db, tenant, func(st *state, seq uint64, start uint32, v []byte) error {
		count, _, recs, err := header(v)
		if err != nil {
			return nil // unreadable: the dispatcher drops it
		}
		for i := range count {
			rec, rest, ok := nextRecord(recs)
			if !ok {
				break
			}
			recs = rest
			if i < int(start) || len(rec) == 0 {
				continue
			}
			if id, ok := recordIDs(rec); !ok || !want[id] {
				continue
			}
			ev, err := decodeRecord(rec)
			if err != nil {
				continue
			}
			ev.Tenant = tenant
			out = append(out, payloadEvent(st.prefix, &entry{pos: position{seq, uint32(i)}, ev: ev}))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: export %s: %w", tenant, err)
	}
	return out, nil
}

// EraseRecipients erases the entries of tenant's queue (in db, the events
// store) for recipients ids that are still to be sent, and returns how
// many it erased: the outbox's part of an erasure (GDPR Art. 17), to run
// with events.Store.EraseRecipient. An erased entry keeps its place, empty,
// so that the order and the ids of the others do not change; it counts as
// done at once, so the queue's depth drops by the entries erased; a value
// left with no entry to send is deleted. A request already in flight may
// still deliver an entry erased meanwhile; if it fails, the entry is not
// sent again.
//
// The queue is read in short read transactions, then only the values that
// hold such entries are rewritten, in short write transactions, each value
// read again there (the dispatcher may have consumed it meanwhile). After
// an error, what was erased stays erased and the call can be repeated.
func (o *Outbox) EraseRecipients(ctx context.Context, db Store, tenant string, ids []events.RecipientID) (int, error) {
	want := recipientSet(ids)
	var seqs []uint64
	err := scanQueue(ctx, db, tenant, func(_ *state, seq uint64, start uint32, v []byte) error {
		if holds(v, start, want) {
			seqs = append(seqs, seq)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("webhook: erase %s: %w", tenant, err)
	}
	erased := 0
	for len(seqs) > 0 {
		if err := ctx.Err(); err != nil {
			return erased, fmt.Errorf("webhook: erase %s: %w", tenant, err)
		}
		done, n, err := eraseValuesOf(db, tenant, seqs, want)
		erased += n
		if err != nil {
			return erased, fmt.Errorf("webhook: erase %s: %w", tenant, err)
		}
		seqs = seqs[done:]
	}
	return erased, nil
}

// eraseValuesOf erases, in one write transaction, the entries of
// recipients want from tenant's values seqs (from the first, until a
// chunk's bound). It returns how many values it went through and the
// number of entries erased.
func eraseValuesOf(db Store, tenant string, seqs []uint64, want map[events.RecipientID]bool) (done, erased int, err error) {
	err = db.Update(func(tx *events.Tx) error {
		st, ok := getState(tx, tenant)
		q := queueBucket(tx, tenant)
		if !ok || q == nil {
			done = len(seqs) // the queue was deleted
			return nil
		}
		size := 0
		for _, seq := range seqs {
			if done == eraseValues || (done > 0 && size >= eraseBytes) {
				break
			}
			done++
			if seq < st.head.seq {
				continue // consumed meanwhile
			}
			k := seqKey(seq)
			v := q.Get(k)
			if v == nil {
				continue
			}
			size += len(v)
			var start uint32
			if seq == st.head.seq {
				start = st.head.idx
			}
			nv, n, left := eraseInValue(v, start, want)
			if n == 0 {
				continue
			}
			if left == 0 {
				err = q.Delete(k)
			} else {
				err = q.Put(k, nv)
			}
			if err != nil {
				return err
			}
			erased += n
			st.done += uint64(n)
		}
		if erased == 0 {
			return nil
		}
		return putState(tx, tenant, &st)
	})
	if err != nil {
		return 0, 0, err
	}
	return done, erased, nil
}

// holds reports whether value v has entries of recipients want to send
// from index start.
func holds(v []byte, start uint32, want map[events.RecipientID]bool) bool {
	count, _, recs, err := header(v)
	if err != nil {
		return false
	}
	for i := range count {
		rec, rest, ok := nextRecord(recs)
		if !ok {
			return false
		}
		recs = rest
		if i < int(start) || len(rec) == 0 {
			continue
		}
		if id, ok := recordIDs(rec); ok && want[id] {
			return true
		}
	}
	return false
}

// eraseInValue returns value v with its entries of recipients want, from
// index start, replaced by empty records, the number replaced, and the
// number of entries from start left to send (unreadable ones included).
// An unreadable value is left alone.
func eraseInValue(v []byte, start uint32, want map[events.RecipientID]bool) (nv []byte, erased, left int) {
	count, _, recs, err := header(v)
	if err != nil {
		return nil, 0, 1
	}
	nv = append(make([]byte, 0, len(v)), v[:headerLen]...)
	for i := range count {
		rec, rest, ok := nextRecord(recs)
		if !ok {
			left++ // the rest is kept as it is, for readValue to drop
			break
		}
		framed := recs[:len(recs)-len(rest)]
		recs = rest
		if i < int(start) || len(rec) == 0 {
			nv = append(nv, framed...)
			continue
		}
		if id, ok := recordIDs(rec); ok && want[id] {
			nv = binary.AppendUvarint(nv, 0)
			erased++
			continue
		}
		nv = append(nv, framed...)
		left++
	}
	return append(nv, recs...), erased, left
}

// scanQueue calls fn with each value of tenant's queue from its head, in
// order, until the last one (those appended meanwhile included), with the
// queue's state and the index of the first entry not yet consumed. v is
// valid only during the call. It reads in read transactions of at most
// scanValues values or about scanBytes, checking ctx between them.
func scanQueue(ctx context.Context, db Store, tenant string, fn func(st *state, seq uint64, start uint32, v []byte) error) error {
	var next uint64 // the first value not read yet
	for more := true; more; {
		if err := ctx.Err(); err != nil {
			return err
		}
		more = false
		err := db.View(func(tx *events.Tx) error {
			st, ok := getState(tx, tenant)
			q := queueBucket(tx, tenant)
			if !ok || q == nil {
				return nil
			}
			c := q.Cursor()
			n, size := 0, 0
			for k, v := c.Seek(seqKey(max(next, st.head.seq))); k != nil; k, v = c.Next() {
				if len(k) != 8 {
					continue
				}
				if n == scanValues || size >= scanBytes {
					more = true
					return nil
				}
				seq := binary.BigEndian.Uint64(k)
				var start uint32
				if seq == st.head.seq {
					start = st.head.idx
				}
				if err := fn(&st, seq, start, v); err != nil {
					return err
				}
				n++
				size += len(v)
				next = seq + 1
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func recipientSet(ids []events.RecipientID) map[events.RecipientID]bool {
	m := make(map[events.RecipientID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
