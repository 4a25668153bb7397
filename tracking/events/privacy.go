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
// Expect about a second per ten million events retained.
func (s *Store) ExportRecipient(ctx context.Context, tenant string, ids []RecipientID) ([]Event, error) {
	want := recipientSet(ids)
	var out []Event
	err := s.db.View(func(tx *bolt.Tx) error {
		c := bucket(tx, bucketEv).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := eachRecord(v, func(rec []byte) error {
				ev, ok, err := matchRecord(rec, tenant, want)
				if ok {
					out = append(out, ev)
				}
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
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
// which the queue owns. Like ExportRecipient it reads every stored event.
func (s *Store) EraseRecipient(ctx context.Context, tenant string, ids []RecipientID) (int, error) {
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	want := recipientSet(ids)
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		ev := bucket(tx, bucketEv)
		type rewrite struct{ key, value []byte }
		var rewrites []rewrite
		c := ev.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
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
			if err != nil {
				return err
			}
			if erased == 0 {
				continue
			}
			n += erased
			var nv []byte
			if keptN > 0 {
				nv = append([]byte{batchVersion}, binary.AppendUvarint(nil, uint64(keptN))...)
				nv = append(nv, kept...)
			}
			rewrites = append(rewrites, rewrite{bytes.Clone(k), nv})
		}
		for _, r := range rewrites {
			var err error
			if r.value == nil {
				err = ev.Delete(r.key)
			} else {
				err = ev.Put(r.key, r.value)
			}
			if err != nil {
				return err
			}
		}
		uniq := bucket(tx, bucketUniq)
		for _, id := range ids {
			if err := deleteUniq(uniq, tenant, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("events: erase: %w", err)
	}
	return n, nil
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

// deleteUniq deletes the uniqueness markers of tenant's recipient id.
func deleteUniq(b *bolt.Bucket, tenant string, id RecipientID) error {
	prefix := appendIDs(nil, id.Message, id.Rcpt)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) >= uniqFixed && string(k[uniqFixed:]) == tenant {
			keys = append(keys, bytes.Clone(k))
		}
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
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
