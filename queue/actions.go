package queue

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// errNoFilter refuses destructive actions without a selection.
var errNoFilter = errors.New("queue: an id, tenant or domain is required")

// Affected is one recipient an operator action changed.
type Affected struct {
	ID     ID
	Index  uint32
	Tenant string
	Addr   string
}

// eachWaiting calls fn for every recipient matching f that is waiting
// (queued, deferred or held), with its key.
func (s *Store) eachWaiting(tx *bolt.Tx, f Filter, fn func(k []byte, id ID, idx uint32, md meta, r rcpt) error) error {
	rb, mb := tx.Bucket(bucketRcpt), tx.Bucket(bucketMsg)
	type item struct {
		k  []byte
		md meta
		r  rcpt
	}
	var items []item
	c := rb.Cursor()
	k, v := c.First()
	var prefix []byte
	if f.ID != 0 {
		prefix = f.ID.key()
		k, v = c.Seek(prefix)
	}
	metas := map[ID]meta{}
	for ; k != nil; k, v = c.Next() {
		if prefix != nil && !bytes.HasPrefix(k, prefix) {
			break
		}
		id, _, ok := parseRcptKey(k)
		if !ok {
			continue
		}
		r, err := decodeRcpt(v)
		if err != nil || (r.State != Queued && r.State != Deferred) || !f.matchRcpt(r) {
			continue
		}
		md, ok := metas[id]
		if !ok {
			mv := mb.Get(id.key())
			if mv == nil {
				continue
			}
			if md, err = decodeMeta(mv); err != nil {
				continue
			}
			metas[id] = md
		}
		if !f.matchMeta(id, md) {
			continue
		}
		items = append(items, item{bytes.Clone(k), md, r})
	}
	for _, it := range items {
		id, idx, _ := parseRcptKey(it.k)
		if err := fn(it.k, id, idx, it.md, it.r); err != nil {
			return err
		}
	}
	return nil
}

// RetryNow makes the waiting recipients matching f (f.All: every one)
// due now; held ones stay held. It returns how many.
func (s *Store) RetryNow(ctx context.Context, f Filter) (int, error) {
	if f.empty() {
		return 0, errNoFilter
	}
	var n int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		n = 0
		now := s.opts.Now().UnixNano()
		sb, rb, hb := scheduleOf(tx), tx.Bucket(bucketRcpt), tx.Bucket(bucketHeld)
		return s.eachWaiting(tx, f, func(k []byte, id ID, idx uint32, _ meta, r rcpt) error {
			if hb.Get(k) != nil {
				return nil
			}
			if err := sb.del(&r, id, idx); err != nil {
				return err
			}
			r.Next = now
			if err := rb.Put(k, r.encode()); err != nil {
				return err
			}
			n++
			return sb.put(&r, id, idx)
		})
	}, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: retry: %w", err)
	}
	s.dueSooner()
	return n, nil
}

// Bounce fails the waiting recipients matching f with reason (recipients
// in flight finish their attempt). It returns those it failed.
func (s *Store) Bounce(ctx context.Context, f Filter, reason string) ([]Affected, error) {
	return s.finalize(ctx, f, reason, false)
}

// Delete removes the waiting recipients matching f without a trace but
// the returned list (and, once nothing of a message is left, the message).
func (s *Store) Delete(ctx context.Context, f Filter) ([]Affected, error) {
	return s.finalize(ctx, f, "deleted by an operator", true)
}

func (s *Store) finalize(ctx context.Context, f Filter, reason string, remove bool) ([]Affected, error) {
	if f.empty() || (f.All && f.ID == 0 && f.Tenant == "" && f.Domain == "") {
		return nil, errNoFilter
	}
	var out []Affected
	var d delta
	var jseq uint64
	var unheld bool
	kind := JournalBounced
	if remove {
		kind = JournalDeleted
	}
	err := s.write(ctx, func(tx *bolt.Tx) error {
		out, d, unheld = out[:0], delta{}, false
		jw := newJournalWriter(tx)
		at := s.opts.Now()
		now := at.UnixNano()
		sb, rb, hb, mb := scheduleOf(tx), tx.Bucket(bucketRcpt), tx.Bucket(bucketHeld), tx.Bucket(bucketMsg)
		err := s.eachWaiting(tx, f, func(k []byte, id ID, idx uint32, md meta, r rcpt) error {
			if err := sb.del(&r, id, idx); err != nil {
				return err
			}
			if err := hb.Delete(k); err != nil {
				return err
			}
			to := Failed
			if remove {
				to = 0
			}
			d.move(r.State, to)
			r.State, r.Next, r.LastReply, r.Updated = Failed, 0, truncate(reason, 512), now
			if err := rb.Put(k, r.encode()); err != nil {
				return err
			}
			out = append(out, Affected{ID: id, Index: idx, Tenant: md.Tenant, Addr: r.Addr})
			if err := jw.add(&JournalEntry{Kind: kind, Time: at, Tenant: md.Tenant, ID: id, Index: idx,
				Attempt: r.Attempts, Reply: reason}); err != nil {
				return err
			}
			if err := s.finishOne(mb, tx, id, &d, nil); err != nil {
				return err
			}
			if mb.Get(id.key()) != nil {
				return nil
			}
			// The message is gone: so is its hold, if any.
			key := []byte("message:" + id.String())
			if tx.Bucket(bucketHolds).Get(key) == nil {
				return nil
			}
			unheld = true
			if err := tx.Bucket(bucketHolds).Delete(key); err != nil {
				return err
			}
			// The fleet forgets it too (a no-op on a node alone).
			return fleetHoldOut(tx, HoldChange{Lift: true, Hold: Hold{Kind: "message", Name: id.String(), Since: s.opts.Now()}})
		})
		if err != nil {
			return err
		}
		jseq = jw.last
		return d.persist(tx)
	}, func() {
		s.counts.apply(&d)
		s.journaled(jseq)
		if unheld {
			s.reloadHolds()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("queue: %s: %w", map[bool]string{true: "delete", false: "bounce"}[remove], err)
	}
	return out, nil
}

func dueBytes(due int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(due))
	return b[:]
}
