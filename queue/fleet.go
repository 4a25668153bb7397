package queue

// Fleet mode's durable local state (see package sluice/fleet): the outbox
// of suppression changes not yet pushed to Redis, and the replication
// cursor (the last Redis stream id this node applied, with the epoch of
// the Redis data set it belongs to). Both live in the spool so that a
// suppression taken while Redis is down, or a crash between the local
// write and the push, is never forgotten, and a restarted node resumes
// reading where it stopped.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketFleetOutbox = []byte("fleet_outbox") // seq (big-endian) → change
	bucketFleetMeta   = []byte("fleet_meta")   // keyFleetCursor → cursor

	keyFleetCursor = []byte("cursor")
)

// FleetChange is one suppression change to replicate to the fleet: a
// suppression (widened, never narrowed, wherever it is applied), or the
// lifting of one by an operator (Lift; only Tenant and Addr count then).
type FleetChange struct {
	// Seq orders the outbox; FleetOutboxAdd sets it.
	Seq         uint64
	Lift        bool
	Suppression Suppression
}

// FleetCursor is how far this node has applied the fleet's change log:
// the Redis stream id of the last entry applied, and the epoch (a random
// name of Redis's data set) it belongs to. An id means nothing under
// another epoch: Redis lost its data and the node must resync.
type FleetCursor struct {
	Epoch string
	ID    string
}

func (c *FleetChange) encode() []byte {
	b := []byte{recVersion, 0}
	if c.Lift {
		b[1] = 1
	}
	b = putString(b, c.Suppression.Tenant)
	b = putString(b, c.Suppression.Addr)
	return append(b, c.Suppression.encode()...)
}

func decodeFleetChange(k, v []byte) (FleetChange, error) {
	var c FleetChange
	if len(k) != 8 || len(v) < 2 || v[0] != recVersion {
		return c, errCorrupt
	}
	c.Seq = binary.BigEndian.Uint64(k)
	c.Lift = v[1] == 1
	r := reader{b: v[2:]}
	tenant, addr := r.string(), r.string()
	if r.err != nil {
		return c, r.err
	}
	sup, err := decodeSuppression(suppKey(tenant, addr), r.b)
	if err != nil {
		return c, err
	}
	sup.Addr = addr // as given (a hashed Addr is not renormalised)
	c.Suppression = sup
	return c, nil
}

// FleetOutboxAdd appends changes to the fleet outbox durably (one group
// commit), in order, and sets their Seq.
func (s *Store) FleetOutboxAdd(ctx context.Context, changes []FleetChange) error {
	now := s.opts.Now()
	for i := range changes {
		sup := &changes[i].Suppression
		if sup.Tenant == "" || sup.Addr == "" {
			return fmt.Errorf("queue: fleet outbox: tenant and address are required")
		}
		if sup.Scope == 0 {
			sup.Scope = ScopeAll
		}
		if sup.Created.IsZero() {
			sup.Created = now
		}
		if !sup.Hashed {
			sup.Addr = NormalizeAddr(sup.Addr)
		}
	}
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetOutbox)
		if err != nil {
			return err
		}
		for i := range changes {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			changes[i].Seq = seq
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq)
			if err := b.Put(k[:], changes[i].encode()); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: fleet outbox add: %w", err)
	}
	return nil
}

// FleetOutbox returns up to limit changes from the head of the outbox, in
// order.
func (s *Store) FleetOutbox(limit int) ([]FleetChange, error) {
	var out []FleetChange
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetOutbox)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			ch, err := decodeFleetChange(k, v)
			if err != nil {
				return fmt.Errorf("seq %x: %w", k, err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: fleet outbox: %w", err)
	}
	return out, nil
}

// FleetOutboxDepth counts the changes waiting in the outbox.
func (s *Store) FleetOutboxDepth() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetOutbox); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n, err
}

// FleetOutboxSeq returns the Seq of the last change ever added to the
// outbox (0 before the first).
func (s *Store) FleetOutboxSeq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetOutbox); b != nil {
			seq = b.Sequence()
		}
		return nil
	})
	return seq, err
}

// FleetOutboxDone removes the outbox's changes up to and including seq
// (they reached Redis).
func (s *Store) FleetOutboxDone(ctx context.Context, seq uint64) error {
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetOutbox)
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
		return fmt.Errorf("queue: fleet outbox done: %w", err)
	}
	return nil
}

// FleetCursor returns the replication cursor; zero before the first.
func (s *Store) FleetCursor() (FleetCursor, error) {
	var cur FleetCursor
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetMeta)
		if b == nil {
			return nil
		}
		v := b.Get(keyFleetCursor)
		if v == nil {
			return nil
		}
		r := reader{b: v}
		cur.Epoch, cur.ID = r.string(), r.string()
		return r.err
	})
	if err != nil {
		return FleetCursor{}, fmt.Errorf("queue: fleet cursor: %w", err)
	}
	return cur, nil
}

// SetFleetCursor records the replication cursor durably. Callers set it
// after the changes it covers are applied (durably): a crash between the
// two re-applies them, which is harmless (applying is idempotent).
func (s *Store) SetFleetCursor(ctx context.Context, cur FleetCursor) error {
	v := putString(putString(nil, cur.Epoch), cur.ID)
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetMeta)
		if err != nil {
			return err
		}
		return b.Put(keyFleetCursor, v)
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: set fleet cursor: %w", err)
	}
	return nil
}

// FleetSuppressions returns up to limit suppressions of every tenant in
// key order, starting after (afterTenant, afterAddr) ("", "" starts at the
// beginning): the walk with which a node re-seeds an empty Redis. Hashed
// suppressions (left by an erasure) are included for paging; their hash is
// keyed per spool, meaningless to another node, so callers skip them.
func (s *Store) FleetSuppressions(afterTenant, afterAddr string, limit int) ([]Suppression, error) {
	var out []Suppression
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSupp).Cursor()
		var k, v []byte
		if afterTenant == "" && afterAddr == "" {
			k, v = c.First()
		} else {
			start := []byte(afterTenant + "\x00" + afterAddr)
			k, v = c.Seek(start)
			if k != nil && bytes.Equal(k, start) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			sup, err := decodeSuppression(k, v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			out = append(out, sup)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: fleet suppressions: %w", err)
	}
	return out, nil
}
