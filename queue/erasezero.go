package queue

import (
	"context"
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// Zeroing an erased body (EraseSubject). The bytes of a body in a segment
// file are overwritten with zeros only once the erasure's transaction has
// committed: zeroing inside it would corrupt live mail if the transaction
// then rolled back (another write of the batch failing, or the commit
// itself on a full disk), and would fdatasync once per message inside
// the single writer, stalling every commit of the node. So the
// transaction that removes the references also records them in
// bucketToZero, and pins their segments (not removed meanwhile); after
// the commit, before the erasure returns, EraseSubject writes the zeros,
// fdatasyncs each segment touched once, and deletes the records. Open
// finishes the zeroing a crash interrupted.

// bucketToZero: message id → the bodyRef of an erased body whose bytes
// are not zeroed yet.
var bucketToZero = []byte("tozero")

// zeroing collects the bodies an erasure's committed transaction removed,
// and their segments, pinned.
type zeroing struct {
	ids  []ID
	refs []bodyRef
	segs []*segFile // pinned; nil where the segment is missing
}

// record marks, in tx, message id's body at ref to be zeroed once tx
// commits, and pins ref's segment at the commit: registered before
// countSeg's handler, so the segment cannot go between the commit and
// the zeroing.
func (s *Store) recordZero(tx *bolt.Tx, z *zeroing, id ID, ref bodyRef) error {
	if err := tx.Bucket(bucketToZero).Put(id.key(), ref.encode()); err != nil {
		return err
	}
	tx.OnCommit(func() {
		z.ids = append(z.ids, id)
		z.refs = append(z.refs, ref)
		z.segs = append(z.segs, s.segs.pin(ref.Seg))
	})
	return nil
}

// zeroErased overwrites z's bodies with zeros, fdatasyncs each segment
// once, then deletes their bucketToZero records and unpins the segments.
// On a failure the records and pins stay: the next Open zeroes again.
func (s *Store) zeroErased(ctx context.Context, z *zeroing) error {
	var synced []*segFile
	for i, ref := range z.refs {
		seg := z.segs[i]
		if seg == nil {
			continue // missing since Open: nothing to zero
		}
		if err := zeroRange(seg.f, ref, -1); err != nil {
			return fmt.Errorf("queue: zero erased body in segment %d: %w", seg.num, err)
		}
		if !containsSeg(synced, seg) {
			synced = append(synced, seg)
		}
	}
	for _, seg := range synced {
		if err := s.segs.syncZeroed(seg); err != nil {
			return err
		}
	}
	err := s.write(context.WithoutCancel(ctx), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketToZero)
		for _, id := range z.ids {
			if err := b.Delete(id.key()); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("queue: zeroed, records kept: %w", err)
	}
	for _, seg := range z.segs {
		if seg != nil {
			s.segs.done(seg)
		}
	}
	return nil
}

func containsSeg(segs []*segFile, seg *segFile) bool {
	for _, s := range segs {
		if s == seg {
			return true
		}
	}
	return false
}

// zeroRange writes zeros over ref's bytes in f, not past size if size is
// not negative (a file Open found shorter).
func zeroRange(f *os.File, ref bodyRef, size int64) error {
	off, end := int64(ref.Off), int64(ref.Off)+int64(ref.Len)
	if size >= 0 {
		end = min(end, size)
	}
	zeros := make([]byte, min(max(end-off, 0), 1<<20))
	for off < end {
		n := min(int64(len(zeros)), end-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// finishZeroing zeroes, at Open, the erased bodies of bucketToZero (an
// erasure's commit came before a crash, its zeroing not), fdatasyncs
// their files and deletes the records. It runs before openSegments, so
// a file whose only bodies were erased is zeroed, then removed.
func finishZeroing(db *bolt.DB, dir string) error {
	bySeg := map[uint32][]bodyRef{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketToZero).ForEach(func(k, v []byte) error {
			ref, err := decodeBodyRef(v)
			if err != nil {
				return fmt.Errorf("erased body %x: %w", k, err)
			}
			bySeg[ref.Seg] = append(bySeg[ref.Seg], ref)
			return nil
		})
	})
	if err != nil || len(bySeg) == 0 {
		return err
	}
	segs := &segments{dir: dir}
	for num, refs := range bySeg {
		if err := zeroFile(segs.path(num), refs); err != nil {
			return err
		}
	}
	return db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketToZero); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bucketToZero)
		return err
	})
}

// zeroFile zeroes refs in the segment file at path and fdatasyncs it; a
// missing file has nothing left to zero.
func zeroFile(path string, refs []bodyRef) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: zero erased bodies: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("queue: zero erased bodies: %w", err)
	}
	for _, ref := range refs {
		if err := zeroRange(f, ref, fi.Size()); err != nil {
			return fmt.Errorf("queue: zero erased bodies in %s: %w", path, err)
		}
	}
	if err := fdatasync(f); err != nil {
		return fmt.Errorf("queue: zero erased bodies in %s: fdatasync: %w", path, err)
	}
	return nil
}
