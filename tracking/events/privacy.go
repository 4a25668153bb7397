package events

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ExportRecipient returns the stored events of tenant's recipients ids (in
// practice: every (message, recipient) the spool's directory maps one
// address to), in the order they were written. It is the access half of a
// data subject request (GDPR Art. 15); anonymous (DNT/GPC) requests were
// never stored and so cannot be exported. Events recorded but not yet
// written are not included: call Flush first for them.
//
// It reads every stored event: the store keeps no per-recipient index, so
// that recording costs one write per batch rather than several per event.
// Expect about a second per ten million events retained. It reads in short
// read transactions (see scanBatches), so the writer is not stalled.
func (s *Store) ExportRecipient(ctx context.Context, tenant string, ids []RecipientID) ([]Event, error) {
	want := recipientSet(ids)
	var out []Event
	err := s.scanBatches(ctx, nil, func(_, v []byte) error {
		return eachRecord(v, func(rec []byte) error {
			ev, ok, err := matchRecord(rec, tenant, want)
			if ok {
				out = append(out, ev)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("events: export: %w", err)
	}
	return out, nil
}

// EraseRecipient deletes the events of tenant's recipients ids and their
// uniqueness markers, after writing what is queued (so that an event
// recorded just before cannot outlive the erasure), and returns the number
// of events deleted (GDPR Art. 17). Batches are rewritten without those
// events. Counters are aggregates and are kept; so is the suppression list,
// which the queue owns. Like ExportRecipient it reads every stored event,
// but in short read transactions, between and during which the writer goes
// on committing; only the batches found holding the recipients' events are
// then rewritten, in short write transactions (see eraseChunkKeys), each
// batch read again there. The scan reads up to the last batch, those
// committed while it runs included; an event committed after that is left,
// as if recorded after the erasure, except that the spool's journal
// events of those recipients are dropped from then on (tombstone): those
// still waiting in the journal would otherwise bring the erased
// recipients back, and fire their webhooks. After an error, what was
// erased stays erased and the call can be repeated.
func (s *Store) EraseRecipient(ctx context.Context, tenant string, ids []RecipientID) (int, error) {
	return s.eraseRecipient(ctx, tenant, ids, eraseHooks{})
}

// tombstone records, before the erasure's scan, that tenant's recipients
// ids are erased: from its commit on, the journal's events of those
// recipients are dropped (see isErased), so that none can be added after
// the scan has passed (an entry still waiting in the spool's journal,
// committed there before the spool's own erasure, or a late return). The
// tombstones hold ids only and go with the message's other records, at
// the end of the retention period (Purge).
func (s *Store) tombstone(ctx context.Context, tenant string, ids []RecipientID) error {
	for len(ids) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := ids[:min(len(ids), eraseChunkUniq)]
		err := s.db.Update(func(tx *bolt.Tx) error {
			b := bucket(tx, bucketErased)
			for _, id := range chunk {
				if err := b.Put(tombKey(nil, tenant, id.Message, id.Rcpt), present()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("tombstones: %w", err)
		}
		ids = ids[len(chunk):]
	}
	return nil
}

// tombKey appends the tombstone key of tenant's recipient (msg, rcpt) to
// b: the ids first, as the message's other keys, so Purge finds them by
// acceptance time.
func tombKey(b []byte, tenant string, msg uint64, rcpt uint32) []byte {
	return append(appendIDs(b, msg, rcpt), tenant...)
}

// isErased reports whether the journal event ev is of an erased recipient
// (a tombstone in tomb), and should be dropped: every kind, the erasure's
// own outcome (KindDeleted, ReasonErased) included, since the recipient's
// whole history is gone. scratch is a reusable key buffer, returned.
func isErased(tomb *bolt.Bucket, ev *Event, scratch []byte) ([]byte, bool) {
	scratch = tombKey(scratch[:0], ev.Tenant, ev.Message, ev.Rcpt)
	return scratch, tomb.Get(scratch) != nil
}

// Bounds on the transactions of a data subject request, so that the
// events writer is never held up for long: a write transaction of an
// erasure rewrites at most eraseChunkKeys batches or about eraseChunkBytes
// of them, or deletes eraseChunkUniq uniqueness markers; a read
// transaction of a scan reads at most scanKeys batches or about scanBytes.
const (
	eraseChunkKeys  = 128
	eraseChunkBytes = 1 << 20
	eraseChunkUniq  = 4096
	scanKeys        = 256
	scanBytes       = 4 << 20
)

// eraseHooks let this package's tests observe an erasure's phases.
type eraseHooks struct {
	scanned func(batches int) // after each read transaction of the scan
	wrote   func()            // after each write transaction
}

func (s *Store) eraseRecipient(ctx context.Context, tenant string, ids []RecipientID, hooks eraseHooks) (int, error) {
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	if err := s.tombstone(ctx, tenant, ids); err != nil {
		return 0, fmt.Errorf("events: erase: %w", err)
	}
	want := recipientSet(ids)
	batches, uniq, err := s.eraseScan(ctx, tenant, ids, want, hooks)
	if err != nil {
		return 0, fmt.Errorf("events: erase: %w", err)
	}
	n := 0
	for len(batches) > 0 {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("events: erase: %w", err)
		}
		done, erased, err := s.eraseBatches(batches, tenant, want)
		n += erased
		if err != nil {
			return n, fmt.Errorf("events: erase: %w", err)
		}
		batches = batches[done:]
		if hooks.wrote != nil {
			hooks.wrote()
		}
	}
	for len(uniq) > 0 {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("events: erase: %w", err)
		}
		chunk := uniq[:min(len(uniq), eraseChunkUniq)]
		err := s.db.Update(func(tx *bolt.Tx) error {
			b := bucket(tx, bucketUniq)
			for _, k := range chunk {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("events: erase: %w", err)
		}
		uniq = uniq[len(chunk):]
		if hooks.wrote != nil {
			hooks.wrote()
		}
	}
	return n, nil
}

// eraseScan returns the keys of the batches that hold events of tenant's
// recipients want, and the keys of their uniqueness markers.
func (s *Store) eraseScan(ctx context.Context, tenant string, ids []RecipientID, want map[RecipientID]bool, hooks eraseHooks) (batches, uniq [][]byte, err error) {
	err = s.scanBatches(ctx, hooks.scanned, func(k, v []byte) error {
		err := eachRecord(v, func(rec []byte) error {
			_, ok, err := matchRecord(rec, tenant, want)
			if ok {
				return errStop
			}
			return err
		})
		if err == errStop {
			batches = append(batches, bytes.Clone(k))
			return nil
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketUniq)
		for _, id := range ids {
			uniq = appendUniqKeys(uniq, b, tenant, id)
		}
		return nil
	})
	return batches, uniq, err
}

// scanBatches calls fn with each stored batch, in key order, until the
// last one (those committed meanwhile included), checking ctx between
// batches. k and v are valid only during the call. It reads in read
// transactions of at most scanKeys batches or about scanBytes, and calls
// chunkDone, when not nil, after each with the number of batches read so
// far: a bbolt commit that must grow the memory map waits for every open
// read transaction, so one long read (a second for ten million events)
// would stall the writer, and the edge's events with it.
func (s *Store) scanBatches(ctx context.Context, chunkDone func(batches int), fn func(k, v []byte) error) error {
	var after []byte // the last key read
	scanned := 0
	for more := true; more; {
		more = false
		err := s.db.View(func(tx *bolt.Tx) error {
			c := bucket(tx, bucketEv).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for n, size := 0, 0; k != nil; k, v = c.Next() {
				if n == scanKeys || size >= scanBytes {
					more = true
					return nil
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := fn(k, v); err != nil {
					return err
				}
				n++
				size += len(v)
				scanned++
				after = append(after[:0], k...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if chunkDone != nil {
			chunkDone(scanned)
		}
	}
	return nil
}

// eraseBatches rewrites, in one write transaction, the batches keys (from
// the first, until a chunk's bound) without the events of tenant's
// recipients want. Each batch is read again in the transaction: one
// purged meanwhile is skipped. It returns how many keys it went through
// and the number of events deleted.
func (s *Store) eraseBatches(keys [][]byte, tenant string, want map[RecipientID]bool) (done, erased int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		ev := bucket(tx, bucketEv)
		size := 0
		for _, k := range keys {
			if done == eraseChunkKeys || (done > 0 && size >= eraseChunkBytes) {
				break
			}
			done++
			v := ev.Get(k)
			if v == nil {
				continue
			}
			size += len(v)
			nv, n, err := withoutRecipients(v, tenant, want)
			if err != nil {
				return err
			}
			switch {
			case n == 0:
			case nv == nil:
				err = ev.Delete(k)
			default:
				err = ev.Put(k, nv)
			}
			if err != nil {
				return err
			}
			erased += n
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return done, erased, nil
}

// withoutRecipients returns batch value v without the events of tenant's
// recipients want (nil when none is left), and the number removed.
func withoutRecipients(v []byte, tenant string, want map[RecipientID]bool) ([]byte, int, error) {
	var kept []byte
	keptN, erased := 0, 0
	err := eachRecord(v, func(rec []byte) error {
		_, ok, err := matchRecord(rec, tenant, want)
		if err != nil {
			return err
		}
		if ok {
			erased++
			return nil
		}
		kept = binary.AppendUvarint(kept, uint64(len(rec)))
		kept = append(kept, rec...)
		keptN++
		return nil
	})
	if err != nil || erased == 0 || keptN == 0 {
		return nil, erased, err
	}
	nv := append([]byte{batchVersion}, binary.AppendUvarint(nil, uint64(keptN))...)
	return append(nv, kept...), erased, nil
}

func recipientSet(ids []RecipientID) map[RecipientID]bool {
	m := make(map[RecipientID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// matchRecord decodes rec if it is an event of tenant's recipients want.
func matchRecord(rec []byte, tenant string, want map[RecipientID]bool) (Event, bool, error) {
	msg, rcpt, ok := recordIDs(rec)
	if !ok {
		return Event{}, false, errCorrupt
	}
	if !want[RecipientID{msg, rcpt}] {
		return Event{}, false, nil
	}
	ev, err := decodeRecord(rec)
	if err != nil {
		return Event{}, false, err
	}
	return ev, ev.Tenant == tenant, nil
}

// appendUniqKeys appends to keys (copies of) the keys of the uniqueness
// markers of tenant's recipient id in b.
func appendUniqKeys(keys [][]byte, b *bolt.Bucket, tenant string, id RecipientID) [][]byte {
	prefix := appendIDs(nil, id.Message, id.Rcpt)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) >= uniqFixed && string(k[uniqFixed:]) == tenant {
			keys = append(keys, bytes.Clone(k))
		}
	}
	return keys
}

// Range calls fn with the stored events of tenant (every tenant if empty)
// written in [from, to) (a zero time leaves that end open), in the order
// they were written, until fn returns false or ctx is done. It reads in one
// read transaction: keep fn quick. An event's Time is normally its write
// time to within a batch; events recorded with an older or newer Time are
// found by when they were written.
func (s *Store) Range(ctx context.Context, tenant string, from, to time.Time, fn func(Event) bool) error {
	var start [8]byte
	if !from.IsZero() && from.UnixNano() > 0 {
		binary.BigEndian.PutUint64(start[:], uint64(from.UnixNano()))
	}
	end := uint64(1<<63 - 1)
	if !to.IsZero() {
		end = uint64(max(to.UnixNano(), 0))
	}
	stop := errStop
	err := s.db.View(func(tx *bolt.Tx) error {
		c := bucket(tx, bucketEv).Cursor()
		for k, v := c.Seek(start[:]); k != nil; k, v = c.Next() {
			if len(k) != 16 || binary.BigEndian.Uint64(k) >= end {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			err := eachRecord(v, func(rec []byte) error {
				ev, err := decodeRecord(rec)
				if err != nil {
					return err
				}
				if tenant != "" && ev.Tenant != tenant {
					return nil
				}
				if !fn(ev) {
					return stop
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == stop {
		return nil
	}
	if err != nil {
		return fmt.Errorf("events: range: %w", err)
	}
	return nil
}
