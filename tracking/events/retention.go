package events

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// purger runs Purge every PurgeInterval until ctx is cancelled (by Close).
func (s *Store) purger(ctx context.Context) {
	defer close(s.purgeDone)
	t := time.NewTicker(s.opts.PurgeInterval)
	defer t.Stop()
	for {
		if _, err := s.Purge(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("events: purge", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Purge deletes the events written longer ago than the retention period,
// and the campaign map entries, uniqueness markers and erasure tombstones
// of messages accepted before it. Counters are kept. Batches are keyed by the time they were
// written, so this is a delete of a key prefix, done in transactions of at
// most PurgeBatch keys, checking ctx between them. It returns the number of
// events deleted. A negative retention purges nothing.
func (s *Store) Purge(ctx context.Context) (int, error) {
	if s.opts.Retention < 0 {
		return 0, nil
	}
	cutoff := s.opts.Now().Add(-s.opts.Retention)
	if cutoff.UnixNano() <= 0 {
		return 0, nil
	}
	evLimit := binary.BigEndian.AppendUint64(nil, uint64(cutoff.UnixNano()))
	// Message ids are acceptance times in µs.
	msgLimit := binary.BigEndian.AppendUint64(nil, uint64(cutoff.UnixMicro()))
	// Late-campaign entries of messages accepted before lateWindow.
	lateLimit := binary.BigEndian.AppendUint64(nil, uint64(s.opts.Now().Add(-lateWindow).UnixMicro()))

	total := 0
	for _, b := range []struct {
		name  string
		limit []byte
	}{{bucketEv, evLimit}, {bucketMsg, msgLimit}, {bucketUniq, msgLimit}, {bucketErased, msgLimit}, {bucketLate, lateLimit}} {
		for {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			keys, events, err := s.purgeBefore(b.name, b.limit)
			total += events
			s.purged.Add(uint64(events))
			if err != nil {
				return total, fmt.Errorf("events: purge %s: %w", b.name, err)
			}
			if keys < s.opts.PurgeBatch {
				break
			}
		}
	}
	return total, nil
}

// purgeBefore deletes, in one transaction, up to PurgeBatch keys of bucket
// name that sort before limit. It returns the number of keys and, for the
// ev bucket, of events deleted.
func (s *Store) purgeBefore(name string, limit []byte) (keys, events int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := bucket(tx, name)
		var del [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil && bytes.Compare(k, limit) < 0 && len(del) < s.opts.PurgeBatch; k, v = c.Next() {
			del = append(del, bytes.Clone(k))
			if name == bucketEv {
				if n, ok := batchCount(v); ok {
					events += n
				}
			}
		}
		// Deleting under a moving cursor can skip keys in bbolt: collect,
		// then delete.
		for _, k := range del {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		keys = len(del)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return keys, events, nil
}
