package queue

// Fleet mode's durable state for holds (see sluice/fleet's HoldReplicator):
// the outbox of hold changes not yet pushed to Redis, written in the
// transaction that changes the hold (SuspendUntil, Resume, LiftExpired
// for a message that left), and the cursor of the fleet's hold log. It
// is on whenever the suppression outbox is (SetFleetOutbox): one switch
// for fleet mode.
//
// Changes from the fleet (ApplyFleetHolds, SyncFleetHolds) never enter
// the outbox, so nothing echoes between nodes, and they leave alone a
// hold with a change of this node's still in the outbox: that change goes
// into the fleet's log after what is being applied, so it is the later
// one everywhere.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketFleetHoldOutbox = []byte("fleet_holds_outbox") // seq (big-endian) → HoldChange
	keyFleetHoldCursor    = []byte("holds_cursor")       // in fleet_meta
)

// HoldChange is one hold change to replicate: a hold set (or replaced),
// or lifted (Lift; only Hold.Kind, Hold.Name and Hold.Since, the time of
// the lifting, count then).
type HoldChange struct {
	// Seq orders the outbox; the store sets it.
	Seq  uint64
	Lift bool
	Hold Hold
}

// key is the change's hold key, "kind:name".
func (c HoldChange) key() string { return c.Hold.Kind + ":" + c.Hold.Name }

func (c HoldChange) encode() []byte {
	b := []byte{recVersion, 0}
	if c.Lift {
		b[1] = 1
	}
	b = putString(b, c.key())
	if c.Lift {
		return binaryAppendTime(b, c.Hold.Since)
	}
	return append(b, c.Hold.encode()...)
}

func decodeHoldChange(k, v []byte) (HoldChange, error) {
	var c HoldChange
	if len(k) != 8 || len(v) < 2 || v[0] != recVersion {
		return c, errCorrupt
	}
	c.Seq = binary.BigEndian.Uint64(k)
	c.Lift = v[1] == 1
	r := reader{b: v[2:]}
	key := r.string()
	if r.err != nil {
		return c, r.err
	}
	if c.Lift {
		c.Hold.Kind, c.Hold.Name, _ = strings.Cut(key, ":")
		c.Hold.Since = time.Unix(0, r.varint())
		return c, r.err
	}
	h, err := decodeHold([]byte(key), r.b)
	c.Hold = h
	return c, err
}

// fleetHoldOut appends ch to the hold outbox in tx when the spool is in
// fleet mode; a no-op otherwise. Changes of an unknown kind or without a
// name stay local.
func fleetHoldOut(tx *bolt.Tx, ch HoldChange) error {
	if !fleetOutboxOn(tx) || !validHoldKind(ch.Hold.Kind) || ch.Hold.Name == "" {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketFleetHoldOutbox)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return b.Put(k[:], ch.encode())
}

// FleetHoldOutbox returns up to limit changes from the head of the hold
// outbox, in order.
func (s *Store) FleetHoldOutbox(limit int) ([]HoldChange, error) {
	var out []HoldChange
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetHoldOutbox)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			ch, err := decodeHoldChange(k, v)
			if err != nil {
				return fmt.Errorf("seq %x: %w", k, err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: fleet hold outbox: %w", err)
	}
	return out, nil
}

// FleetHoldOutboxSeq returns the Seq of the last change ever added to the
// hold outbox (0 before the first).
func (s *Store) FleetHoldOutboxSeq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetHoldOutbox); b != nil {
			seq = b.Sequence()
		}
		return nil
	})
	return seq, err
}

// FleetHoldOutboxDone removes the hold outbox's changes up to and
// including seq (they reached Redis, or a re-seed covered them).
func (s *Store) FleetHoldOutboxDone(ctx context.Context, seq uint64) error {
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetHoldOutbox)
		if b == nil {
			return nil
		}
		var end [8]byte
		binary.BigEndian.PutUint64(end[:], seq)
		c := b.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end[:]) <= 0; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: fleet hold outbox done: %w", err)
	}
	return nil
}

// FleetHoldCursor returns how far this node has applied the fleet's hold
// log; zero before the first.
func (s *Store) FleetHoldCursor() (FleetCursor, error) {
	var cur FleetCursor
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetMeta)
		if b == nil {
			return nil
		}
		v := b.Get(keyFleetHoldCursor)
		if v == nil {
			return nil
		}
		r := reader{b: v}
		cur.Epoch, cur.ID = r.string(), r.string()
		return r.err
	})
	if err != nil {
		return FleetCursor{}, fmt.Errorf("queue: fleet hold cursor: %w", err)
	}
	return cur, nil
}

// SetFleetHoldCursor records the hold log's cursor durably, after the
// changes it covers are applied.
func (s *Store) SetFleetHoldCursor(ctx context.Context, cur FleetCursor) error {
	v := putString(putString(nil, cur.Epoch), cur.ID)
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetMeta)
		if err != nil {
			return err
		}
		return b.Put(keyFleetHoldCursor, v)
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: set fleet hold cursor: %w", err)
	}
	return nil
}

// FleetHolds lists the holds this node re-seeds an emptied Redis with:
// every readable hold not yet expired.
func (s *Store) FleetHolds() ([]Hold, error) {
	now := s.opts.Now()
	var out []Hold
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHolds).ForEach(func(k, v []byte) error {
			if h, err := decodeHold(k, v); err == nil && !h.expired(now) {
				out = append(out, h)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue: fleet holds: %w", err)
	}
	return out, nil
}

// ApplyFleetHolds applies changes that came from the fleet (its log, or
// its hash in a resync), in order, in one durable write, without writing
// the outbox. A hold set is
// stored as the fleet gives it (its since, by, reason and end), except
// that one already ended at this node's clock counts as lifted, and a
// message hold is kept only where the message is (a message lives in one
// spool). Recipients no hold covers any more are put back on the
// schedule. A change with a bad kind or name is skipped.
func (s *Store) ApplyFleetHolds(ctx context.Context, changes []HoldChange) error {
	if len(changes) == 0 {
		return nil
	}
	now := s.opts.Now()
	var released int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		pending := pendingHoldKeys(tx)
		hb, mb := tx.Bucket(bucketHolds), tx.Bucket(bucketMsg)
		lifted := false
		for _, ch := range changes {
			key, err := holdKey(ch.Hold.Kind, ch.Hold.Name)
			if err != nil || pending[key] {
				continue
			}
			drop := ch.Lift || ch.Hold.expired(now) || len(ch.Hold.Reason) > maxHoldReason
			if !drop && ch.Hold.Kind == "message" {
				id, _ := ParseID(ch.Hold.Name)
				drop = mb.Get(id.key()) == nil
			}
			if drop {
				if hb.Get([]byte(key)) != nil {
					if err := hb.Delete([]byte(key)); err != nil {
						return err
					}
					lifted = true
				}
				continue
			}
			v := ch.Hold.encode()
			if bytes.Equal(hb.Get([]byte(key)), v) {
				continue
			}
			if err := hb.Put([]byte(key), v); err != nil {
				return err
			}
		}
		released = 0
		if lifted {
			var err error
			released, err = releaseHeld(tx, now.UnixNano())
			return err
		}
		return nil
	}, s.reloadHolds)
	if err != nil {
		return fmt.Errorf("queue: apply fleet holds: %w", err)
	}
	if released > 0 {
		s.dueSooner()
	}
	return nil
}

// pendingHoldKeys are the holds with a change of this node's still in the
// outbox.
func pendingHoldKeys(tx *bolt.Tx) map[string]bool {
	b := tx.Bucket(bucketFleetHoldOutbox)
	if b == nil {
		return nil
	}
	m := map[string]bool{}
	_ = b.ForEach(func(k, v []byte) error {
		if len(v) < 2 {
			return nil
		}
		r := reader{b: v[2:]}
		if key := r.string(); r.err == nil {
			m[strings.ToLower(key)] = true
		}
		return nil
	})
	return m
}

// ErrBadFleetHold is returned for a hold from the fleet that cannot be
// stored here.
var ErrBadFleetHold = errors.New("queue: bad fleet hold")

// CheckFleetHold validates a hold read from the fleet the way
// SuspendUntil validates an operator's: known kind, a name, a bounded
// reason. The end is not checked (it may have passed: then it is a lift).
func CheckFleetHold(h Hold) error {
	if _, err := holdKey(h.Kind, h.Name); err != nil {
		return fmt.Errorf("%w: %w", ErrBadFleetHold, err)
	}
	if len(h.Reason) > maxHoldReason || len(h.By) > maxHoldReason {
		return fmt.Errorf("%w: %s:%s: reason or author too long", ErrBadFleetHold, h.Kind, h.Name)
	}
	return nil
}
