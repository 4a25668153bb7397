package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CompactOptions configure the compactor of segment files: a sealed
// segment whose live bytes fell below Below of its size (one deferred
// message can pin a 64 MiB file) has its live bodies copied into the
// active segment, their references moved in one transaction, and is then
// removed.
type CompactOptions struct {
	// Interval is the time between passes; default 30 s. Negative: no
	// background compactor (Store.CompactNow still runs a pass).
	Interval time.Duration
	// Below is the live share under which a segment is rewritten; default
	// 0.25 (rewriting copies at most a quarter of what it frees).
	Below float64
	// Rate bounds the bytes a pass copies per second, so compaction never
	// competes with submission for the disk; default 16 MiB/s.
	Rate int64
}

func (o *CompactOptions) setDefaults() {
	if o.Interval == 0 {
		o.Interval = 30 * time.Second
	}
	if o.Below <= 0 {
		o.Below = 0.25
	}
	if o.Rate <= 0 {
		o.Rate = 16 << 20
	}
}

// CompactResult counts what a compaction pass did.
type CompactResult struct {
	Segments int   // segments rewritten
	Moved    int   // bodies moved
	Bytes    int64 // their bytes
}

// compactor runs a pass every Compact.Interval until Close.
func (s *Store) compactor() {
	defer s.bg.Done()
	t := time.NewTicker(s.opts.Compact.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.stopBg:
			return
		case <-t.C:
		}
		res, err := s.CompactNow(context.Background())
		switch {
		case errors.Is(err, ErrClosed):
			return
		case err != nil:
			s.log.Warn("queue: segment compaction", "err", err)
		case res.Segments > 0:
			s.log.Info("queue: compacted segments", "segments", res.Segments, "bodies", res.Moved, "bytes", res.Bytes)
		}
	}
}

// CompactNow runs one compaction pass: every sparse sealed segment (see
// CompactOptions) is rewritten. It returns ErrClosed if Close interrupts
// it.
func (s *Store) CompactNow(ctx context.Context) (CompactResult, error) {
	var res CompactResult
	victims := s.segs.sparse(s.opts.Compact.Below)
	if len(victims) == 0 {
		return res, nil
	}
	// One scan finds the bodies of every victim. Only compaction moves a
	// reference, and only into the active segment, so none appears in a
	// victim after it; the ones that go meanwhile are skipped at the move.
	moves := map[uint32][]segMove{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBodyRef).ForEach(func(k, v []byte) error {
			ref, err := decodeBodyRef(v)
			if err != nil || len(k) != 8 || !slices.Contains(victims, ref.Seg) {
				return nil
			}
			moves[ref.Seg] = append(moves[ref.Seg], segMove{id: ID(bytesToUint64(k)), from: ref})
			return nil
		})
	})
	if err != nil {
		return res, fmt.Errorf("queue: compact: %w", err)
	}
	for _, num := range victims {
		if len(moves[num]) == 0 {
			continue
		}
		moved, n, err := s.compactOne(ctx, moves[num])
		res.Moved += moved
		res.Bytes += n
		if err != nil {
			return res, fmt.Errorf("queue: compact segment %d: %w", num, err)
		}
		if moved > 0 {
			res.Segments++
		}
	}
	return res, nil
}

// segMove is one body a compaction moves.
type segMove struct {
	id       ID
	from, to bodyRef
}

// compactOne copies the bodies of one segment (moves) to the active
// segment (paced at Compact.Rate), then moves their references in one
// transaction: the last one out removes the old file after the commit. A
// body whose message finished (or was erased, see compactMu) meanwhile is
// not moved: its copy is unreferenced bytes, gone with its new segment.
func (s *Store) compactOne(ctx context.Context, moves []segMove) (moved int, copied int64, err error) {
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	segs, err := s.copyBodies(moves, &copied)
	defer func() {
		for _, seg := range segs {
			s.segs.done(seg)
		}
	}()
	if err != nil {
		return 0, copied, err
	}
	if s.afterCopy != nil {
		s.afterCopy()
	}
	err = s.submit(ctx, &writeReq{res: make(chan error, 1), segs: segs, fn: func(tx *bolt.Tx) error {
		moved = 0
		rb := tx.Bucket(bucketBodyRef)
		for _, m := range moves {
			if m.to.Len == 0 || !bytes.Equal(rb.Get(m.id.key()), m.from.encode()) {
				continue // not copied, or the message went meanwhile
			}
			if err := rb.Put(m.id.key(), m.to.encode()); err != nil {
				return err
			}
			if err := s.countSeg(tx, m.from, -1); err != nil {
				return err
			}
			if err := s.countSeg(tx, m.to, +1); err != nil {
				return err
			}
			moved++
		}
		return nil
	}})
	return moved, copied, err
}

// copyBodies appends each move's body to the active segment, setting its
// to, at no more than Compact.Rate bytes a second. A body that fails its
// checksum stays where it is (and fails loudly where it is read).
func (s *Store) copyBodies(moves []segMove, copied *int64) (segs []*segFile, err error) {
	start := time.Now()
	var buf []byte
	for i := range moves {
		m := &moves[i]
		if buf, err = s.segs.read(m.from, buf); err != nil {
			// Else its segment went, or an erasure zeroed it after this
			// pass's scan: the message finished meanwhile.
			if errors.Is(err, ErrCorruptBody) && s.refCurrent(m.id, m.from) {
				s.log.Error("queue: compaction leaves a body it cannot read", "id", m.id, "err", err)
			}
			continue
		}
		seg, ref, err := s.segs.append(buf)
		if err != nil {
			return segs, err
		}
		segs = append(segs, seg)
		m.to = ref
		*copied += int64(ref.Len)
		// Pace: the copy so far may take no less than copied/Rate.
		if ahead := time.Duration(float64(*copied)/float64(s.opts.Compact.Rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
			select {
			case <-s.stopBg:
				return segs, ErrClosed
			case <-time.After(ahead):
			}
		}
	}
	return segs, nil
}
