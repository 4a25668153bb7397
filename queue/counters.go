package queue

import (
	"encoding/binary"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// counters mirror the per-state recipient counts persisted in the meta
// bucket, so queue depth is known without scanning the spool. The persisted
// values change inside the same transaction as the records they count; the
// in-memory mirror changes only after that transaction commits.
type counters struct {
	byState [Failed + 1]atomic.Int64
}

// delta is one write's change to the counts. Index 0 (no state) counts
// stored messages.
type delta [Failed + 1]int64

func (d *delta) move(from, to State) {
	if from != 0 {
		d[from]--
	}
	if to != 0 {
		d[to]++
	}
}

func countKey(s State) []byte {
	if s == 0 {
		return []byte("count/messages")
	}
	return []byte("count/" + s.String())
}

func (c *counters) load(tx *bolt.Tx) error {
	b := tx.Bucket(bucketMeta)
	for s := State(0); s <= Failed; s++ {
		var v int64
		if raw := b.Get(countKey(s)); len(raw) == 8 {
			v = int64(binary.BigEndian.Uint64(raw))
		}
		c.byState[s].Store(v)
	}
	return nil
}

// persist adds d to the counts stored in tx.
func (d *delta) persist(tx *bolt.Tx) error {
	b := tx.Bucket(bucketMeta)
	for s := State(0); s <= Failed; s++ {
		if d[s] == 0 {
			continue
		}
		var v int64
		if raw := b.Get(countKey(s)); len(raw) == 8 {
			v = int64(binary.BigEndian.Uint64(raw))
		}
		var out [8]byte
		binary.BigEndian.PutUint64(out[:], uint64(v+d[s]))
		if err := b.Put(countKey(s), out[:]); err != nil {
			return err
		}
	}
	return nil
}

func (c *counters) apply(d *delta) {
	for s := State(0); s <= Failed; s++ {
		if d[s] != 0 {
			c.byState[s].Add(d[s])
		}
	}
}
