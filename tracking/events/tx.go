package events

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Packages that keep data of their own in the events file (tracking/webhook's
// outbox, whose entries must commit in the same transaction as the events
// they announce) reach it through Tx, Bucket and Cursor, never through a
// bbolt handle: the store owns the file, and bbolt stays a detail of this
// package. A Tx reaches only top-level buckets outside the store's own
// (ev, msg, uniq, cnt, camp, journal): Bucket returns nil for those names
// and CreateBucketIfNotExists an error, so no other package can damage the
// events or the counters.
//
// Keys and values returned by Get, ForEach and a Cursor are valid only
// during the transaction (bbolt's memory map): copy what outlives it.

// ErrReserved is returned by Tx.CreateBucketIfNotExists for the name of one
// of the store's own buckets.
var ErrReserved = errors.New("events: bucket name reserved by the store")

// Tx is one transaction on the events file, as handed to Options.InTx and
// to the functions given to Store.View, Store.Update and Store.Batch.
type Tx struct{ tx *bolt.Tx }

// Bucket is a bucket of a Tx: an ordered key/value space, which may hold
// nested buckets.
type Bucket struct{ b *bolt.Bucket }

// Cursor walks a Bucket's keys in byte order. A nil key means the end.
type Cursor struct{ c *bolt.Cursor }

// reserved reports whether name is one of the store's own buckets.
func reserved(name []byte) bool {
	switch string(name) {
	case bucketEv, bucketMsg, bucketUniq, bucketCnt, bucketCamp, bucketJournal, bucketErased:
		return true
	}
	return false
}

// Bucket returns the top-level bucket name, or nil when there is none or
// the name is the store's.
func (t *Tx) Bucket(name []byte) *Bucket {
	if reserved(name) {
		return nil
	}
	return wrapBucket(t.tx.Bucket(name))
}

// CreateBucketIfNotExists returns the top-level bucket name, creating it
// in a write transaction if needed; ErrReserved for the store's names.
func (t *Tx) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	if reserved(name) {
		return nil, fmt.Errorf("%w: %q", ErrReserved, name)
	}
	b, err := t.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return &Bucket{b}, nil
}

// OnCommit runs fn after the transaction commits (not if it rolls back).
func (t *Tx) OnCommit(fn func()) { t.tx.OnCommit(fn) }

func wrapBucket(b *bolt.Bucket) *Bucket {
	if b == nil {
		return nil
	}
	return &Bucket{b}
}

// Get returns the value of key, or nil.
func (b *Bucket) Get(key []byte) []byte { return b.b.Get(key) }

// Put sets the value of key.
func (b *Bucket) Put(key, value []byte) error { return b.b.Put(key, value) }

// Delete removes key; a missing key is not an error.
func (b *Bucket) Delete(key []byte) error { return b.b.Delete(key) }

// NextSequence returns the bucket's next sequence number (1, 2, …),
// rolled back with the transaction.
func (b *Bucket) NextSequence() (uint64, error) { return b.b.NextSequence() }

// Sequence returns the bucket's sequence: the last NextSequence gave.
func (b *Bucket) Sequence() uint64 { return b.b.Sequence() }

// SetFillPercent sets how full pages are filled on splits, for this
// transaction (bbolt's FillPercent): high for keys appended in order.
func (b *Bucket) SetFillPercent(f float64) { b.b.FillPercent = f }

// Bucket returns the nested bucket name, or nil.
func (b *Bucket) Bucket(name []byte) *Bucket { return wrapBucket(b.b.Bucket(name)) }

// CreateBucketIfNotExists returns the nested bucket name, creating it if
// needed.
func (b *Bucket) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return &Bucket{nb}, nil
}

// DeleteBucket removes the nested bucket name and everything in it.
func (b *Bucket) DeleteBucket(name []byte) error { return b.b.DeleteBucket(name) }

// ForEach calls fn with each key in order (v is nil for a nested bucket);
// an error from fn stops the walk and is returned.
func (b *Bucket) ForEach(fn func(k, v []byte) error) error { return b.b.ForEach(fn) }

// Cursor returns a cursor over the bucket.
func (b *Bucket) Cursor() *Cursor { return &Cursor{b.b.Cursor()} }

// First moves to the first key.
func (c *Cursor) First() (k, v []byte) { return c.c.First() }

// Seek moves to key, or to the first key after it.
func (c *Cursor) Seek(key []byte) (k, v []byte) { return c.c.Seek(key) }

// Next moves to the next key.
func (c *Cursor) Next() (k, v []byte) { return c.c.Next() }

// View runs fn in a read transaction on the events file.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx}) })
}

// Update runs fn in a write transaction on the events file, committed
// (and fsync'd unless Options.NoSync) when fn returns nil, rolled back
// otherwise. It waits for the store's writer, which commits batches in
// write transactions too: keep fn short.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx}) })
}

// Batch is Update for many concurrent callers: their functions share one
// write transaction (bbolt's DB.Batch), so one caller's error makes the
// others' functions run again, alone. fn must therefore be idempotent.
func (s *Store) Batch(fn func(*Tx) error) error {
	return s.db.Batch(func(tx *bolt.Tx) error { return fn(&Tx{tx}) })
}
