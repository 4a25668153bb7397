package main

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// compact is design B's answer to a long tail: one deferred message keeps
// its whole segment on disk, so sealed segments whose live bytes are below
// frac of their size have their live bodies copied into the active
// segment and their records repointed, after which they drop. It returns
// the bodies moved and the bytes copied (the write amplification).
//
// It runs while deliveries are paused. A compactor running beside
// deliveries would also need readers to hold a reference on the segment
// they read (or to retry on the new location).
func (sp *spool) compact(ctx context.Context, frac float64) (moved int, copied int64, err error) {
	victims := sp.segs.sparse(frac)
	if len(victims) == 0 {
		return 0, 0, nil
	}
	type move struct {
		id       uint64
		from, to bodyLoc
	}
	var todo []move
	// A scan of the message records: a real compactor could keep a
	// (segment, id) index instead, at one more put per message.
	err = sp.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMsg).ForEach(func(k, v []byte) error {
			loc, err := locOf(v)
			if err != nil {
				return err
			}
			if victims[loc.seg] {
				todo = append(todo, move{id: uint64FromKey(k), from: loc})
			}
			return nil
		})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("compact: scan: %w", err)
	}
	for len(todo) > 0 {
		batch := todo[:min(len(todo), 256)]
		todo = todo[len(batch):]
		touched := map[*segment]bool{}
		for i := range batch {
			body, err := sp.segs.read(batch[i].from)
			if err != nil {
				return moved, copied, fmt.Errorf("compact: %w", err)
			}
			seg, loc, err := sp.segs.append(body)
			if err != nil {
				return moved, copied, fmt.Errorf("compact: %w", err)
			}
			touched[seg] = true
			batch[i].to = loc
			copied += int64(loc.n)
		}
		for seg := range touched {
			if err := sp.segs.sync(seg); err != nil {
				return moved, copied, fmt.Errorf("compact: %w", err)
			}
		}
		done := make([]bool, len(batch))
		fn := func(tx *bolt.Tx) error {
			mb := tx.Bucket(bucketMsg)
			mb.FillPercent = 0.95
			for i, m := range batch {
				v := mb.Get(idKey(m.id))
				if v == nil {
					continue // delivered meanwhile
				}
				if cur, err := locOf(v); err != nil || cur != m.from {
					continue
				}
				nv := m.to.append(bytes.Clone(v[:len(v)-locLen]))
				if err := mb.Put(idKey(m.id), nv); err != nil {
					return err
				}
				if err := bumpSegment(tx, m.from.seg, -1); err != nil {
					return err
				}
				if err := bumpSegment(tx, m.to.seg, 1); err != nil {
					return err
				}
				done[i] = true
			}
			return nil
		}
		after := func() {
			for i, m := range batch {
				if done[i] {
					sp.segs.release(m.from)
					moved++
				} else {
					sp.segs.release(m.to)
				}
			}
		}
		if err := sp.write(ctx, fn, nil, after); err != nil {
			return moved, copied, fmt.Errorf("compact: %w", err)
		}
	}
	return moved, copied, nil
}
