package queue

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The bbolt side of segment files (segments.go).
var (
	// bucketBodyRef: id → bodyRef, for a body kept in a segment file
	// instead of bucketBody. A message has one or the other.
	bucketBodyRef = []byte("bodyref")
	// bucketSegs: segment number (4 bytes, big-endian) → segRec, for
	// every segment some committed bodyRef points into.
	bucketSegs = []byte("segs")
)

// DefaultSegmentThreshold is Options.SegmentThreshold's default: bodies of
// 16 KiB or more go to segment files (bench/cmd/segbench: below that, a
// third fdatasync per commit costs more than bbolt's page copies).
const DefaultSegmentThreshold = 16 << 10

// DefaultSegmentSize is Options.SegmentSize's default.
const DefaultSegmentSize = 64 << 20

// bodyRef says where a body is in a segment file, and its CRC-32C.
type bodyRef struct {
	Seg uint32
	Off uint64
	Len uint32
	Sum uint32
}

const bodyRefVersion = 1

func (r bodyRef) encode() []byte {
	b := make([]byte, 21)
	b[0] = bodyRefVersion
	binary.BigEndian.PutUint32(b[1:], r.Seg)
	binary.BigEndian.PutUint64(b[5:], r.Off)
	binary.BigEndian.PutUint32(b[13:], r.Len)
	binary.BigEndian.PutUint32(b[17:], r.Sum)
	return b
}

func decodeBodyRef(b []byte) (bodyRef, error) {
	if len(b) != 21 || b[0] != bodyRefVersion {
		return bodyRef{}, errCorrupt
	}
	return bodyRef{
		Seg: binary.BigEndian.Uint32(b[1:]),
		Off: binary.BigEndian.Uint64(b[5:]),
		Len: binary.BigEndian.Uint32(b[13:]),
		Sum: binary.BigEndian.Uint32(b[17:]),
	}, nil
}

// segRec is a segment's committed record: how many bodies point into it,
// their bytes, and the end of the last byte any committed body used (Open
// cuts the file there).
type segRec struct {
	Count, Live, End uint64
}

func segKey(num uint32) []byte { return binary.BigEndian.AppendUint32(nil, num) }

func (r segRec) encode() []byte {
	b := make([]byte, 0, 1+3*binary.MaxVarintLen64)
	b = append(b, recVersion)
	b = binary.AppendUvarint(b, r.Count)
	b = binary.AppendUvarint(b, r.Live)
	return binary.AppendUvarint(b, r.End)
}

func decodeSegRec(b []byte) (segRec, error) {
	r := reader{b: b}
	if r.byte() != recVersion {
		return segRec{}, errCorrupt
	}
	rec := segRec{Count: r.uvarint(), Live: r.uvarint(), End: r.uvarint()}
	return rec, r.err
}

// loadSegRecs reads every segment record.
func loadSegRecs(tx *bolt.Tx) (map[uint32]segRec, error) {
	out := map[uint32]segRec{}
	err := tx.Bucket(bucketSegs).ForEach(func(k, v []byte) error {
		if len(k) != 4 {
			return fmt.Errorf("segment record key %x: %w", k, errCorrupt)
		}
		rec, err := decodeSegRec(v)
		if err != nil {
			return fmt.Errorf("segment record %x: %w", k, err)
		}
		out[binary.BigEndian.Uint32(k)] = rec
		return nil
	})
	return out, err
}

// addSegRef records in tx that message id's body is at ref: the reference
// and its segment's record. The in-memory mirror follows after the commit.
func (s *Store) addSegRef(tx *bolt.Tx, id ID, ref bodyRef) error {
	if err := tx.Bucket(bucketBodyRef).Put(id.key(), ref.encode()); err != nil {
		return err
	}
	return s.countSeg(tx, ref, +1)
}

// countSeg adds (sign +1) or removes (-1) ref's body to its segment's
// record, deleting the record when nothing is left, and has the mirror
// follow once the commit is durable (which may remove the file).
func (s *Store) countSeg(tx *bolt.Tx, ref bodyRef, sign int64) error {
	sb := tx.Bucket(bucketSegs)
	k := segKey(ref.Seg)
	var rec segRec
	if v := sb.Get(k); v != nil {
		var err error
		if rec, err = decodeSegRec(v); err != nil {
			return fmt.Errorf("segment %d: %w", ref.Seg, err)
		}
	}
	n := uint64(ref.Len)
	if sign > 0 {
		rec.Count++
		rec.Live += n
		rec.End = max(rec.End, ref.Off+n)
	} else {
		rec.Count = max(rec.Count, 1) - 1
		rec.Live -= min(rec.Live, n)
	}
	var err error
	if rec.Count == 0 {
		err = sb.Delete(k)
	} else {
		err = sb.Put(k, rec.encode())
	}
	if err != nil {
		return err
	}
	tx.OnCommit(func() { s.segs.committed(ref.Seg, sign, sign*int64(n)) })
	return nil
}

// dropBody removes message id's body, from bbolt or from its segment. With
// z (an erasure), a segment body is also recorded to be zeroed once tx
// commits (erasezero.go).
func (s *Store) dropBody(tx *bolt.Tx, id ID, z *zeroing) error {
	if err := tx.Bucket(bucketBody).Delete(id.key()); err != nil {
		return err
	}
	rb := tx.Bucket(bucketBodyRef)
	v := rb.Get(id.key())
	if v == nil {
		return nil
	}
	ref, err := decodeBodyRef(v)
	if err != nil {
		return fmt.Errorf("body reference %s: %w", id, err)
	}
	if z != nil {
		if err := s.recordZero(tx, z, id, ref); err != nil {
			return err
		}
	}
	if err := rb.Delete(id.key()); err != nil {
		return err
	}
	return s.countSeg(tx, ref, -1)
}

// bodyIn finds message id's body in tx: the bytes when bbolt holds them
// (valid for the transaction), else the reference to its segment.
func bodyIn(tx *bolt.Tx, id ID) (inline []byte, ref bodyRef, isRef bool, err error) {
	if v := tx.Bucket(bucketBody).Get(id.key()); v != nil {
		return v, bodyRef{}, false, nil
	}
	v := tx.Bucket(bucketBodyRef).Get(id.key())
	if v == nil {
		return nil, bodyRef{}, false, ErrNotFound
	}
	ref, err = decodeBodyRef(v)
	if err != nil {
		return nil, bodyRef{}, false, fmt.Errorf("body reference: %w", err)
	}
	return nil, ref, true, nil
}

// Body returns a copy of message id's stored bytes.
func (s *Store) Body(id ID) ([]byte, error) {
	b, err := s.BodyTo(id, nil)
	if err == nil && b == nil {
		b = []byte{}
	}
	return b, err
}

// BodyTo reads message id's stored bytes into dst's storage (dst[:0]),
// growing it only when it is too small, and returns them: a caller that
// keeps a buffer (a sync.Pool of them) reads a body without allocating. A
// body kept in a segment file is read with one pread and checked against
// its CRC-32C; a mismatch is an error wrapping ErrCorruptBody (logged:
// the spool is damaged), never the bytes.
//
// The reference is looked up in one transaction and the segment read
// outside it, so a compaction may move the body, or its message may
// finish or be erased, in between: the old segment is then gone, or the
// bytes read are the zeros of an erasure. A failed read therefore looks
// the reference up again: gone is ErrNotFound, moved is read again (at
// most bodyReadTries reads), and only a failure at a reference that is
// still current is the spool's error.
func (s *Store) BodyTo(id ID, dst []byte) ([]byte, error) {
	var last bodyRef
	var lastErr error
	for try := 0; ; try++ {
		out, ref, isRef, err := s.lookupBody(id, dst)
		switch {
		case err != nil:
			return nil, fmt.Errorf("queue: body %s: %w", id, err)
		case !isRef:
			return out, nil
		case try > 0 && ref == last, try == bodyReadTries:
			// Still where the failed read looked (or moved again and
			// again): the failure is real.
			s.log.Error("queue: cannot read a stored body", "id", id, "err", lastErr)
			return nil, fmt.Errorf("queue: body %s: %w", id, lastErr)
		}
		if try == 0 && s.beforeBodyRead != nil {
			s.beforeBodyRead()
		}
		// Outside the transaction: the segment stays open while it is
		// read (segments.acquire), and a long read holds no bbolt reader
		// that a commit growing the mmap would wait for.
		if out, err = s.segs.read(ref, out); err == nil {
			return out, nil
		}
		last, lastErr = ref, err
	}
}

// bodyReadTries bounds BodyTo's reads of one body that a compaction keeps
// moving.
const bodyReadTries = 3

// lookupBody finds message id's body: the bytes, copied into dst's
// storage, when bbolt holds them, else its segment reference.
func (s *Store) lookupBody(id ID, dst []byte) (out []byte, ref bodyRef, isRef bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v, r, ok, err := bodyIn(tx, id)
		if err != nil {
			return err
		}
		ref, isRef = r, ok
		if !ok {
			out = append(dst[:0], v...)
		} else {
			out = dst
		}
		return nil
	})
	return out, ref, isRef, err
}

// refCurrent reports whether message id's body is still at ref: a read
// of ref that failed is then the spool's error, not a race with a
// compaction, a finished message or an erasure.
func (s *Store) refCurrent(id ID, ref bodyRef) bool {
	cur := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		cur = bytes.Equal(tx.Bucket(bucketBodyRef).Get(id.key()), ref.encode())
		return nil
	})
	return cur
}

// SegmentStats returns the segment files' counts (mirrors of the
// committed records).
func (s *Store) SegmentStats() SegmentStats { return s.segs.stats() }
