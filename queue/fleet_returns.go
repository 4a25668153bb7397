package queue

// Returns received by one fleet node for a message another node sent: the
// recipient directory that attributes them lives only at the sender (its
// node number is in the low bits of the message id that the return's
// VERP or unsubscribe token names). The receiving node moves such a
// return from its inbox to this durable outbox, in one transaction; the
// fleet replicator hands it to the sender through Redis, and the sender
// puts it in its own inbox (AddReturn), where its worker attributes and
// applies it like one it received itself.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucketFleetReturns = []byte("fleet_returns") // seq (big-endian) → node, return

// FleetReturn is a return waiting to be handed to the node that sent the
// message it is about.
type FleetReturn struct {
	Seq    uint64
	Node   int // the sender's node number
	Return Return
}

// NodeNumber is this spool's node number (Options.Node): 0 on a single
// node.
func (s *Store) NodeNumber() int { return s.opts.Node }

// EncodeReturn is the wire form of a return handed between nodes:
// received time, envelope sender and recipient, then the message.
func EncodeReturn(r *Return) []byte {
	b := []byte{recVersion}
	b = binaryAppendTime(b, r.Received)
	b = putString(b, r.From)
	b = putString(b, r.Rcpt)
	return append(b, r.Data...)
}

// DecodeReturn reads EncodeReturn's form (ID left zero: the receiving
// spool gives it one of its own).
func DecodeReturn(b []byte) (Return, error) {
	r := reader{b: b}
	if r.byte() != recVersion {
		return Return{}, errCorrupt
	}
	ret := Return{Received: time.Unix(0, r.varint())}
	ret.From, ret.Rcpt = r.string(), r.string()
	if r.err != nil {
		return Return{}, r.err
	}
	ret.Data = append([]byte(nil), r.b...)
	return ret, nil
}

// ForwardReturn moves ret from the inbox to the fleet returns outbox, for
// node, in one durable transaction.
func (s *Store) ForwardReturn(ctx context.Context, node int, ret *Return) error {
	if node < 1 || node > MaxNode {
		return fmt.Errorf("queue: forward return: node number %d out of range", node)
	}
	v := append([]byte{byte(node)}, EncodeReturn(ret)...)
	var gone int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetReturns)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], seq)
		if err := b.Put(k[:], v); err != nil {
			return err
		}
		gone = inboxLen(tx, ret.ID)
		return tx.Bucket(bucketInbox).Delete(ret.ID.key())
	}, func() { s.inboxSize.added(-gone) })
	if err != nil {
		return fmt.Errorf("queue: forward return %s: %w", ret.ID, err)
	}
	return nil
}

// FleetReturns returns up to limit forwarded returns, oldest first.
func (s *Store) FleetReturns(limit int) ([]FleetReturn, error) {
	var out []FleetReturn
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetReturns)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) != 8 || len(v) < 1 {
				return fmt.Errorf("seq %x: %w", k, errCorrupt)
			}
			ret, err := DecodeReturn(v[1:])
			if err != nil {
				return fmt.Errorf("seq %x: %w", k, err)
			}
			out = append(out, FleetReturn{Seq: binary.BigEndian.Uint64(k), Node: int(v[0]), Return: ret})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: fleet returns: %w", err)
	}
	return out, nil
}

// FleetReturnDone removes the forwarded return seq (handed to Redis).
func (s *Store) FleetReturnDone(ctx context.Context, seq uint64) error {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	err := s.write(ctx, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetReturns); b != nil {
			return b.Delete(k[:])
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: fleet return done: %w", err)
	}
	return nil
}

// Returns handed to this node by another one are pinned: the receiving
// node attributes them here or logs them unattributed, and never hands
// them on (ReturnPinned). The owner of a message id is the one node whose
// number is in it, so a return travels at most once: two nodes whose
// evidence names each other's messages cannot pass it back and forth.
var bucketPinnedReturns = []byte("fleet_returns_pinned") // inbox id → node number it came from (0: kept back)

// AddHandedReturn stores a return handed to this node by another (package
// fleet, from Redis) in the inbox, pinned, in one durable write: its
// worker attributes it like one it received itself, but never hands it
// on. Pins of returns already processed are dropped in the same write
// (the worker's DoneReturn removes the inbox entry only).
func (s *Store) AddHandedReturn(ctx context.Context, r *Return) error {
	if r.ID == 0 {
		r.ID = s.NewID()
	}
	v := EncodeReturn(r)
	err := s.write(ctx, func(tx *bolt.Tx) error { return pinReturn(tx, r.ID, v) }, nil)
	if err != nil {
		return fmt.Errorf("queue: add handed return: %w", err)
	}
	return nil
}

// pinReturn puts v (EncodeReturn's form, which is the inbox's) in the
// inbox under id, pinned, and drops the pins whose returns are gone.
func pinReturn(tx *bolt.Tx, id ID, v []byte) error {
	pins, err := tx.CreateBucketIfNotExists(bucketPinnedReturns)
	if err != nil {
		return err
	}
	inbox := tx.Bucket(bucketInbox)
	var stale [][]byte
	c := pins.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if inbox.Get(k) == nil {
			stale = append(stale, bytes.Clone(k))
		}
	}
	for _, k := range stale {
		if err := pins.Delete(k); err != nil {
			return err
		}
	}
	if err := pins.Put(id.key(), []byte{0}); err != nil {
		return err
	}
	return inbox.Put(id.key(), v)
}

// ReturnPinned reports whether the inbox's return id was handed to this
// node (AddHandedReturn) or kept back (KeepFleetReturn): it is attributed
// here or nowhere.
func (s *Store) ReturnPinned(id ID) bool {
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketPinnedReturns); b != nil {
			ok = b.Get(id.key()) != nil
		}
		return nil
	})
	return ok
}

// KeepFleetReturn moves the forwarded return seq back from the outbox to
// this node's inbox, pinned, in one durable write: no node of the fleet
// holds the number it was forwarded to (a forged or stale message id), so
// this node logs it unattributed rather than leave it in Redis for no
// one. It reports whether the return was still in the outbox.
func (s *Store) KeepFleetReturn(ctx context.Context, seq uint64) (bool, error) {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	id := s.NewID()
	var found bool
	err := s.write(ctx, func(tx *bolt.Tx) error {
		found = false
		b := tx.Bucket(bucketFleetReturns)
		if b == nil {
			return nil
		}
		v := b.Get(k[:])
		if len(v) < 1 {
			return nil
		}
		found = true
		ret := bytes.Clone(v[1:])
		if err := b.Delete(k[:]); err != nil {
			return err
		}
		return pinReturn(tx, id, ret)
	}, nil)
	if err != nil {
		return false, fmt.Errorf("queue: keep fleet return: %w", err)
	}
	return found, nil
}
