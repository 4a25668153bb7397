package queue

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The recipient directory maps (message id, recipient index) to the
// tenant, address and stream, and outlives the message: returns (VERP
// bounces, feedback-loop reports, mailto unsubscribes) carry only those
// opaque ids and may arrive days after delivery. Entries are written in
// the same transaction as the message and purged after a retention period.
var (
	bucketDir   = []byte("dir")   // id|idx → tenant, addr, stream[, source, site]
	bucketInbox = []byte("inbox") // id → a returned message waiting to be processed
)

// Recipient is one directory entry.
type Recipient struct {
	ID     ID
	Index  uint32
	Tenant string
	Addr   string
	Stream Stream
	// Source and Site are the egress source and the shaping site of the
	// attempt the receiver accepted (see Result.Source), so that a
	// return it sends later can be charged to them; both empty until the
	// recipient is delivered, and in entries written before they existed.
	Source, Site string
}

func encodeDir(tenant, addr string, st Stream) []byte {
	b := []byte{recVersion, byte(st)}
	b = putString(b, tenant)
	return putString(b, addr)
}

// decodeDir reads a directory entry into rec (all but ID and Index).
func decodeDir(v []byte, rec *Recipient) bool {
	r := reader{b: v}
	if r.byte() != recVersion {
		return false
	}
	rec.Stream = Stream(r.byte())
	rec.Tenant = r.string()
	rec.Addr = r.string()
	rec.Source, rec.Site = decodeDirDelivery(&r)
	return r.err == nil
}

// LookupRecipient returns the directory entry of (id, idx).
func (s *Store) LookupRecipient(id ID, idx uint32) (Recipient, bool) {
	rec := Recipient{ID: id, Index: idx}
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDir).Get(rcptKey(id, idx))
		if v == nil {
			return nil
		}
		ok = decodeDir(v, &rec)
		return nil
	})
	return rec, ok
}

// FindRecipient returns the directory entry of message id whose address is
// addr (case-insensitive), for returns that name the message but not the
// recipient index. With addr empty (a redacted complaint) it succeeds only
// when the message had exactly one recipient.
func (s *Store) FindRecipient(id ID, addr string) (Recipient, bool) {
	want := NormalizeAddr(addr)
	var out Recipient
	var found bool
	if want == "" {
		first, ok := s.LookupRecipient(id, 0)
		if _, second := s.LookupRecipient(id, 1); !ok || second {
			return Recipient{}, false
		}
		return first, true
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDir).Cursor()
		prefix := id.key()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			_, idx, ok := parseRcptKey(k)
			rec := Recipient{ID: id, Index: idx}
			if ok && decodeDir(v, &rec) && NormalizeAddr(rec.Addr) == want {
				out, found = rec, true
				return nil
			}
		}
		return nil
	})
	return out, found
}

// PurgeDirectory deletes directory entries of messages accepted before
// cutoff, at most max per call (so one call never holds the writer long),
// and reports how many it deleted. Ids grow with the clock, so the
// entries to purge are a prefix of the bucket.
func (s *Store) PurgeDirectory(ctx context.Context, cutoff time.Time, max int) (int, error) {
	limit := ID(cutoff.UnixMicro())
	var n int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketDir)
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && len(keys) < max; k, _ = c.Next() {
			id, _, ok := parseRcptKey(k)
			if ok && id >= limit {
				break
			}
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	}, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: purge directory: %w", err)
	}
	return n, nil
}

// Return is one message received by the inbound MX, kept durably until it
// has been processed.
type Return struct {
	ID       ID
	From     string // envelope sender (usually empty for bounces)
	Rcpt     string // the address it was sent to (b.<token>@…, fbl@…)
	Received time.Time
	Data     []byte
}

// AddReturn stores a returned message durably; the inbound MX answers 250
// only after it returns nil.
func (s *Store) AddReturn(ctx context.Context, r *Return) error {
	if r.ID == 0 {
		r.ID = s.NewID()
	}
	b := []byte{recVersion}
	b = binaryAppendTime(b, r.Received)
	b = putString(b, r.From)
	b = putString(b, r.Rcpt)
	b = append(b, r.Data...)
	err := s.write(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInbox).Put(r.ID.key(), b)
	}, func() { s.inboxSize.added(len(b) + 8) })
	if err != nil {
		return fmt.Errorf("queue: add return: %w", err)
	}
	return nil
}

// PendingReturns returns up to limit stored returns, oldest first.
func (s *Store) PendingReturns(limit int) ([]Return, error) {
	var out []Return
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketInbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			r := reader{b: v}
			if r.byte() != recVersion {
				continue
			}
			ret := Return{Received: time.Unix(0, r.varint())}
			ret.From, ret.Rcpt = r.string(), r.string()
			if r.err != nil || len(k) != 8 {
				continue
			}
			ret.ID = ID(bytesToUint64(k))
			ret.Data = bytes.Clone(r.b)
			out = append(out, ret)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: pending returns: %w", err)
	}
	return out, nil
}

// DoneReturn removes a processed return and, in the same transaction,
// journals the events it gave (bounces, complaints, unsubscribes: see
// JournalBounce), so that they reach the event store exactly when the
// return is gone from the inbox: a crash before the commit processes the
// return again, one after it has its events durable.
func (s *Store) DoneReturn(ctx context.Context, id ID, events ...JournalEntry) error {
	var jseq uint64
	var gone int
	err := s.write(ctx, func(tx *bolt.Tx) error {
		jseq = 0
		if len(events) > 0 {
			jw := newJournalWriter(tx)
			for i := range events {
				if err := jw.add(&events[i]); err != nil {
					return err
				}
			}
			jseq = jw.last
		}
		gone = inboxLen(tx, id)
		return tx.Bucket(bucketInbox).Delete(id.key())
	}, func() { s.journaled(jseq); s.inboxSize.added(-gone) })
	if err != nil {
		return fmt.Errorf("queue: done return %s: %w", id, err)
	}
	return nil
}
