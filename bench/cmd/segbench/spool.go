package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// design says where bodies live.
type design int

const (
	inBolt     design = iota // A: today's spool, bodies in the body bucket
	inSegments               // B: bodies in segment files, locations in bbolt
)

func (d design) String() string {
	if d == inSegments {
		return "B segments"
	}
	return "A bbolt"
}

// spool reproduces queue.Store's write path outside the queue package:
// the same bbolt options, one writer goroutine that group-commits every
// request waiting when a transaction starts (up to maxBatch), callers
// answered only after the commit and its fsync.
type spool struct {
	design   design
	path     string
	db       *bolt.DB
	segs     *segments // design B only
	maxBatch int

	reqs chan *writeReq
	done chan struct{}
	wg   sync.WaitGroup

	commits atomic.Int64
	grows   atomic.Int64 // commits that grew the file (bbolt fsyncs it then)
	nextID  atomic.Uint64
	jseq    atomic.Uint64 // last journal sequence written
}

type writeReq struct {
	fn    func(tx *bolt.Tx) error
	seg   *segment // design B: the segment this write's body went to
	after func()   // on success, once durable
	res   chan error
}

type spoolOptions struct {
	maxBatch int
	segMax   int64
	prealloc bool
}

// openSpool opens a fresh spool in dir with queue.Open's bbolt options.
func openSpool(dir string, d design, o spoolOptions) (*spool, error) {
	path := filepath.Join(dir, "spool.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         2 * time.Second,
		FreelistType:    bolt.FreelistMapType,
		NoFreelistSync:  true,
		InitialMmapSize: 256 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("create buckets: %w", err)
	}
	sp := &spool{design: d, path: path, db: db, maxBatch: o.maxBatch,
		reqs: make(chan *writeReq, 1024), done: make(chan struct{})}
	if d == inSegments {
		if sp.segs, err = openSegments(filepath.Join(dir, "segments"), o.segMax, o.prealloc); err != nil {
			db.Close()
			return nil, err
		}
	}
	sp.nextID.Store(uint64(time.Now().UnixMicro()))
	sp.wg.Add(1)
	go sp.writer()
	return sp, nil
}

func (sp *spool) close() error {
	close(sp.done)
	sp.wg.Wait()
	if sp.segs != nil {
		sp.segs.close()
	}
	return sp.db.Close()
}

// fsyncs counts the fsync-class calls so far: bbolt fdatasyncs twice per
// commit (the pages, then the meta page) and fsyncs once more when it
// grows the file; segments count their own.
func (sp *spool) fsyncs() int64 {
	n := 2*sp.commits.Load() + sp.grows.Load()
	if sp.segs != nil {
		n += sp.segs.syncs.Load()
	}
	return n
}

// write hands fn to the group committer and waits for its commit.
func (sp *spool) write(ctx context.Context, fn func(tx *bolt.Tx) error, seg *segment, after func()) error {
	req := &writeReq{fn: fn, seg: seg, after: after, res: make(chan error, 1)}
	select {
	case sp.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.res
}

// writer is queue.Store.writer: block for one request, take every request
// already waiting, commit them together.
func (sp *spool) writer() {
	defer sp.wg.Done()
	batch := make([]*writeReq, 0, sp.maxBatch)
	for {
		select {
		case req := <-sp.reqs:
			batch = append(batch[:0], req)
		case <-sp.done:
			return
		}
	fill:
		for len(batch) < sp.maxBatch {
			select {
			case req := <-sp.reqs:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		err := sp.commit(batch)
		for _, req := range batch {
			if err == nil && req.after != nil {
				req.after()
			}
			req.res <- err
		}
	}
}

// commit makes a batch durable: first the segments its bodies went to
// (design B), then one bbolt transaction.
func (sp *spool) commit(batch []*writeReq) error {
	synced := map[*segment]bool{}
	for _, req := range batch {
		if req.seg != nil && !synced[req.seg] {
			if err := sp.segs.sync(req.seg); err != nil {
				return err
			}
			synced[req.seg] = true
		}
	}
	before := sp.fileSize()
	err := sp.db.Update(func(tx *bolt.Tx) error {
		for _, req := range batch {
			if err := req.fn(tx); err != nil {
				return err
			}
		}
		hwm := idKey(sp.nextID.Load())
		return tx.Bucket(bucketMeta).Put(keyHighWater, hwm)
	})
	sp.commits.Add(1)
	if sp.fileSize() > before {
		sp.grows.Add(1)
	}
	if err != nil {
		return fmt.Errorf("commit of %d writes: %w", len(batch), err)
	}
	return nil
}

func (sp *spool) fileSize() int64 {
	fi, err := os.Stat(sp.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// bumpCounter adds delta to an 8-byte counter in the meta bucket, as the
// spool's per-state counts are kept in the transactions that change them.
func bumpCounter(tx *bolt.Tx, key []byte, delta int64) error {
	b := tx.Bucket(bucketMeta)
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = uint64FromKey(v)
	}
	return b.Put(key, idKey(n+uint64(delta)))
}

// bumpSegment keeps a segment's live count in bbolt, in the transaction
// that adds or deletes the body: what a restart needs to drop segments
// without scanning every message record.
func bumpSegment(tx *bolt.Tx, seg uint32, delta int64) error {
	k := idKey(uint64(seg))
	b := tx.Bucket(bucketSeg)
	var n uint64
	if v := b.Get(k); len(v) == 8 {
		n = uint64FromKey(v)
	}
	n += uint64(delta)
	if n == 0 {
		return b.Delete(k)
	}
	return b.Put(k, idKey(n))
}

func uint64FromKey(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// journal appends an event journal entry, as Enqueue and Complete do.
func (sp *spool) journal(tx *bolt.Tx, v []byte) error {
	b := tx.Bucket(bucketJournal)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	sp.jseq.Store(seq)
	return b.Put(idKey(seq), v)
}

// errStamp is a body that does not carry its message's id: a wrong offset.
var errStamp = errors.New("body read back does not carry its message id")
