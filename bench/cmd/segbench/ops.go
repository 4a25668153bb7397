package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// submit stores one one-recipient message durably, as queue.Store.Enqueue
// does (message record, recipient, schedule and destination index,
// directory, journal, counters), the body in the body bucket (A) or
// appended to a segment first (B). body's first 8 bytes are overwritten
// with the id, so a read at a wrong offset is caught; body must not change
// until submit returns (bbolt keeps the slice until the commit).
func (sp *spool) submit(ctx context.Context, body []byte) (uint64, error) {
	id := sp.nextID.Add(1)
	binary.BigEndian.PutUint64(body, id)
	var seg *segment
	var loc *bodyLoc
	if sp.design == inSegments {
		s, l, err := sp.segs.append(body)
		if err != nil {
			return 0, err
		}
		seg, loc = s, &l
	}
	meta := metaValue(id, len(body), loc)
	fn := func(tx *bolt.Tx) error {
		mb, bb, rb, db := tx.Bucket(bucketMsg), tx.Bucket(bucketBody), tx.Bucket(bucketRcpt), tx.Bucket(bucketDir)
		mb.FillPercent, bb.FillPercent, rb.FillPercent, db.FillPercent = 0.95, 0.95, 0.95, 0.95
		k := idKey(id)
		if err := mb.Put(k, meta); err != nil {
			return err
		}
		if loc == nil {
			if err := bb.Put(k, body); err != nil {
				return err
			}
		} else if err := bumpSegment(tx, loc.seg, 1); err != nil {
			return err
		}
		if err := db.Put(rcptKey(id), dirValue(id, false)); err != nil {
			return err
		}
		if err := rb.Put(rcptKey(id), rcptValue(id, 1, 0, due(id))); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSched).Put(schedKey(due(id), id), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSchedDest).Put(destKey(due(id), id), nil); err != nil {
			return err
		}
		if err := sp.journal(tx, journalValue(id, 1)); err != nil {
			return err
		}
		return bumpCounter(tx, keyQueued, 1)
	}
	if err := sp.write(ctx, fn, seg, nil); err != nil {
		if loc != nil {
			sp.segs.release(*loc)
		}
		return 0, fmt.Errorf("submit %d: %w", id, err)
	}
	return id, nil
}

// claim books the next attempt of each message's recipient and marks it in
// flight, in one write (queue.Store.ClaimWith); it also deletes as many
// journal entries as the event store's follower would have acknowledged.
func (sp *spool) claim(ctx context.Context, ids []uint64) error {
	fn := func(tx *bolt.Tx) error {
		sb, dsb, ib, rb := tx.Bucket(bucketSched), tx.Bucket(bucketSchedDest), tx.Bucket(bucketInflight), tx.Bucket(bucketRcpt)
		for _, id := range ids {
			at, next := due(id), due(id)+retryDelay
			for _, op := range []func() error{
				func() error { return sb.Delete(schedKey(at, id)) },
				func() error { return sb.Put(schedKey(next, id), nil) },
				func() error { return dsb.Delete(destKey(at, id)) },
				func() error { return dsb.Put(destKey(next, id), nil) },
				func() error { return ib.Put(rcptKey(id), nil) },
				func() error { return rb.Put(rcptKey(id), rcptValue(id, 2, 1, next)) },
			} {
				if err := op(); err != nil {
					return err
				}
			}
		}
		if err := ackJournal(tx, 2*len(ids)); err != nil {
			return err
		}
		if err := bumpCounter(tx, keyQueued, -int64(len(ids))); err != nil {
			return err
		}
		return bumpCounter(tx, keyInFlight, int64(len(ids)))
	}
	if err := sp.write(ctx, fn, nil, nil); err != nil {
		return fmt.Errorf("claim %d: %w", len(ids), err)
	}
	return nil
}

// ackJournal deletes up to n of the oldest journal entries.
func ackJournal(tx *bolt.Tx, n int) error {
	c := tx.Bucket(bucketJournal).Cursor()
	for k, _ := c.First(); k != nil && n > 0; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
		n--
	}
	return nil
}

// read returns a copy of a message's body, as the delivery engine gets it
// (queue.Store.Body), and where it lives (design B).
func (sp *spool) read(id uint64) ([]byte, bodyLoc, error) {
	var body []byte
	var loc bodyLoc
	err := sp.db.View(func(tx *bolt.Tx) error {
		if sp.design == inBolt {
			v := tx.Bucket(bucketBody).Get(idKey(id))
			if v == nil {
				return fmt.Errorf("no body")
			}
			body = bytes.Clone(v)
			return nil
		}
		v := tx.Bucket(bucketMsg).Get(idKey(id))
		if v == nil {
			return fmt.Errorf("no message record")
		}
		var err error
		loc, err = locOf(v)
		return err
	})
	if err == nil && sp.design == inSegments {
		body, err = sp.segs.read(loc)
	}
	if err != nil {
		return nil, loc, fmt.Errorf("read %d: %w", id, err)
	}
	if len(body) < 8 || binary.BigEndian.Uint64(body) != id {
		return nil, loc, fmt.Errorf("read %d: %w", id, errStamp)
	}
	return body, loc, nil
}

// complete records a delivery attempt's outcome (queue.Store.Complete):
// delivered removes the message, its recipient and its body (design B:
// the segment's live count drops, and the file once it reaches 0);
// deferred books a retry and keeps everything.
func (sp *spool) complete(ctx context.Context, id uint64, loc bodyLoc, delivered bool) error {
	next := due(id) + retryDelay
	fn := func(tx *bolt.Tx) error {
		k, rk := idKey(id), rcptKey(id)
		if err := tx.Bucket(bucketInflight).Delete(rk); err != nil {
			return err
		}
		if err := bumpCounter(tx, keyInFlight, -1); err != nil {
			return err
		}
		if !delivered {
			if err := sp.journal(tx, journalValue(id, 3)); err != nil {
				return err
			}
			return tx.Bucket(bucketRcpt).Put(rk, rcptValue(id, 3, 1, next+retryDelay))
		}
		if err := sp.journal(tx, journalValue(id, 2)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSched).Delete(schedKey(next, id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSchedDest).Delete(destKey(next, id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketDir).Put(rk, dirValue(id, true)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRcpt).Delete(rk); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMsg).Delete(k); err != nil {
			return err
		}
		if sp.design == inBolt {
			return tx.Bucket(bucketBody).Delete(k)
		}
		return bumpSegment(tx, loc.seg, -1)
	}
	var after func()
	if delivered && sp.design == inSegments {
		after = func() { sp.segs.release(loc) }
	}
	if err := sp.write(ctx, fn, nil, after); err != nil {
		return fmt.Errorf("complete %d: %w", id, err)
	}
	return nil
}
