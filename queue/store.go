package queue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sluice/internal/clock"
	"sluice/internal/readahead"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketMeta     = []byte("meta")     // counters and the id high-water mark
	bucketMsg      = []byte("msg")      // id → meta
	bucketBody     = []byte("body")     // id → message bytes
	bucketRcpt     = []byte("rcpt")     // id|idx → rcpt
	bucketSched    = []byte("sched")    // due|id|idx → nil
	bucketInflight = []byte("inflight") // id|idx → nil
	allBuckets     = [][]byte{bucketMeta, bucketMsg, bucketBody, bucketRcpt, bucketSched, bucketSchedPrio, bucketSchedDest, bucketInflight,
		bucketSupp, bucketSoft, bucketDir, bucketInbox, bucketHolds, bucketHeld, bucketJournal, bucketBodyRef, bucketSegs, bucketToZero}

	keyHighWater = []byte("id_hwm")
	keyFormat    = []byte("format")
)

// spoolFormat is the spool's layout, written in the meta bucket at every
// Open. A sluice that finds a larger number refuses to open the spool
// (downgrade): an older binary would misread the newer layout piece by
// piece (records it cannot decode, buckets it does not know) instead of
// saying so once. Bump it with any change an older binary would misread;
// upgrades (a missing or smaller number) are migrated by load.
//
//	1: 2026-12-07: buckets as in allBuckets, records at recVersion 1,
//	   bodies of SegmentThreshold or more in segment files.
const spoolFormat = 1

// Errors returned by the store. Callers map ErrDiskFull to a 452 4.3.1 and
// everything else to a 451 4.3.0.
var (
	ErrClosed   = errors.New("queue: store closed")
	ErrDiskFull = errors.New("queue: disk full")
	ErrNotFound = errors.New("queue: not found")
)

// Options configure Open. Zero values take the documented defaults.
type Options struct {
	// Now is the clock; default clock.Now (the real clock).
	Now func() time.Time
	// Node is this node's number in a fleet, the low NodeBits of every id
	// it mints (so two nodes never mint the same id); 0 on a single node,
	// whose ids are exactly the clock's microseconds as before.
	Node int
	// Logger receives store events; default slog.Default().
	Logger *slog.Logger
	// Retry decides retry times and expiry; default DefaultRetry.
	Retry RetryPolicy
	// MaxBatch caps the writes one group commit takes; default 512.
	MaxBatch int
	// InitialMmapSize pre-sizes bbolt's mmap so growth does not block
	// readers; default 256 MiB.
	InitialMmapSize int
	// Observe, when set, is called after every commit with its duration and
	// how many writes it carried (the metrics hook).
	Observe func(commit time.Duration, writes int, err error)
	// OnDue, when set, is called after a committed write that may have
	// made mail due sooner than NextDue said before (Enqueue, Resume,
	// RetryNow): the delivery scheduler sleeps until NextDue and uses it
	// to wake. It must not block.
	OnDue func()
	// OnJournal, when set, is called after a commit that added event
	// journal entries (see journal.go): the drainer uses it to wake. It
	// must not block.
	OnJournal func()
	// NoPriorities books every recipient queued from now on in the
	// default class (marketing, normal): due order only, as before
	// scheduling classes existed (priority.go). For comparison runs and
	// as an operator's way back; entries already booked in a class are
	// claimed from it once more, then booked in the default class.
	NoPriorities bool

	// SegmentThreshold is the body size from which a body is appended to
	// a segment file (<spool>.segments/, beside the spool file) instead of
	// stored in bbolt; default DefaultSegmentThreshold (16 KiB). Negative:
	// every new body goes to bbolt (segments already written are still
	// read, and go as their messages finish).
	SegmentThreshold int
	// SegmentSize is the size past which the segment being appended to is
	// rolled; default DefaultSegmentSize (64 MiB).
	SegmentSize int64
	// Compact configures the compactor of sparse segments (compact.go).
	Compact CompactOptions

	// suppFilterSyncMax, suppFilterMin and suppChunk override the
	// constants (tests).
	suppFilterSyncMax, suppFilterMin, suppChunk int
	// lazyWait overrides lazyWait (tests).
	lazyWait time.Duration
	// prefetched, when set, is told how many bytes Open's prefetch read
	// (tests).
	prefetched func(n int64)
}

// dueSooner tells Options.OnDue that mail may be due now.
func (s *Store) dueSooner() {
	if s.opts.OnDue != nil {
		s.opts.OnDue()
	}
}

// Store is the durable spool. All its methods are safe for concurrent use.
type Store struct {
	db     *bolt.DB
	opts   Options
	log    *slog.Logger
	reqs   chan *writeReq
	done   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool
	mu     sync.Mutex // guards close against in-progress sends
	ids    *IDGen

	counts counters
	holds  holds

	// The event journal's bounds (see journal.go): the last sequence
	// committed and the last acknowledged. Changed after commits only.
	journalWritten, journalAcked atomic.Uint64
	// journalID names this spool's journal (see JournalID); set at Open.
	journalID string

	// destNext is where each class's next per-destination walk starts
	// (claim_dest.go); read and written by claims only, on the writer.
	destNext [NumClasses][]byte

	// The erasure (GDPR) state: see privacy.go.
	addrKey   []byte          // the per-install HMAC key of hashed suppressions
	hashers   sync.Pool       // of *hasher: HMACs keyed with addrKey
	hashedAny atomic.Bool     // the spool has held a hashed suppression
	inboxSize inboxSize       // InboxBytes's cache
	suppF     suppFilterState // the suppression filter (suppfilter.go)
	lazyHeld  atomic.Bool     // the writer holds lazy writes for company (tests)

	// Segment files (segments.go, bodyref.go) and their compactor
	// (compact.go). compactMu keeps an erasure and a compaction apart: a
	// compaction must not copy a body an erasure is removing.
	segs      *segments
	compactMu sync.Mutex
	stopBg    chan struct{} // closed by Close: background goroutines end
	bg        sync.WaitGroup
	// Writes that appended bodies to segments go through the syncer
	// first (syncq), which fdatasyncs their segments and hands them to
	// the writer: a batch's segment sync overlaps the previous batch's
	// bbolt commit instead of adding to it.
	syncq    chan *writeReq
	stopSync chan struct{}
	syncWG   sync.WaitGroup

	// beforeCommit, when set (tests), runs in the committer after the
	// batch's segments are fdatasync'd and before the bbolt commit.
	beforeCommit func()
	// afterCopy, when set (tests), runs in a compaction between the copy
	// of a segment's bodies and the move of their references.
	afterCopy func()
	// beforeBodyRead, when set (tests), runs in BodyTo between its first
	// lookup of a segment reference and the read.
	beforeBodyRead func()
	// eraseFails, when set (tests), ends EraseSubject's transaction with
	// its error after everything else in it ran.
	eraseFails func() error
	// crashAfterErase, when set (tests), ends EraseSubject right after
	// its commit, as a crash there would: nothing zeroed.
	crashAfterErase bool
}

type writeReq struct {
	fn  func(tx *bolt.Tx) error
	res chan error
	// after runs only if the commit succeeded, under the writer (used to
	// publish counter changes once they are durable).
	after func()
	// segs are the segment files the write's bodies were appended to: the
	// syncer fdatasyncs each once per group, before the write reaches the
	// committer.
	segs []*segFile
	// lazy writes (outcomes, journal acks) need not commit at once: the
	// writer holds a batch of only lazy writes up to lazyWait for a write
	// someone waits on, so that they ride on its commit.
	lazy bool
}

// lazyWait is how long a batch of only lazy writes waits for company.
const lazyWait = 2 * time.Millisecond

// Open opens (creating if needed) the spool at path, recovers recipients a
// crash left in flight, and starts the writer.
func Open(path string, opts Options) (*Store, error) {
	opts.setDefaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("queue: create spool dir: %w", err)
	}
	// After a crash bolt.Open walks every page: read the file into the
	// page cache ahead of it (internal/readahead).
	stopPrefetch := readahead.Start(path, opts.prefetched)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         2 * time.Second, // another process holds the lock
		FreelistType:    bolt.FreelistMapType,
		NoFreelistSync:  true,
		InitialMmapSize: opts.InitialMmapSize,
	})
	stopPrefetch()
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	s := &Store{db: db, opts: opts, log: opts.Logger, reqs: make(chan *writeReq, 1024), done: make(chan struct{}),
		stopBg: make(chan struct{}), syncq: make(chan *writeReq, 1024), stopSync: make(chan struct{})}
	var hwm uint64
	var recs map[uint32]segRec
	err = db.Update(func(tx *bolt.Tx) error {
		var err error
		if hwm, err = s.load(tx); err != nil {
			return err
		}
		recs, err = loadSegRecs(tx)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	if err = finishZeroing(db, segDir(path)); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	if s.segs, err = openSegments(segDir(path), opts.SegmentSize, s.log, recs); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	// Ids come from the clock (microseconds) or the persisted high-water
	// mark, whichever is larger, so they stay unique across restarts even if
	// the clock steps back.
	if s.ids, err = NewIDGen(max(hwm, uint64(opts.Now().UnixMicro())), opts.Node); err != nil {
		s.segs.close()
		db.Close()
		return nil, err
	}
	syncMax := suppFilterSyncMax
	if opts.suppFilterSyncMax != 0 {
		syncMax = opts.suppFilterSyncMax
	}
	s.suppF.min = suppFilterMin
	if opts.suppFilterMin > 0 {
		s.suppF.min = opts.suppFilterMin
	}
	if err = s.fillSuppFilter(syncMax); err != nil {
		s.segs.close()
		db.Close()
		return nil, fmt.Errorf("queue: open %s: suppression filter: %w", path, err)
	}
	s.wg.Add(1)
	go s.writer()
	s.syncWG.Add(1)
	go s.syncer()
	if opts.Compact.Interval > 0 {
		s.bg.Add(1)
		go s.compactor()
	}
	return s, nil
}

// setDefaults fills in the documented defaults of the zero fields.
func (o *Options) setDefaults() {
	if o.Now == nil {
		o.Now = clock.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Retry == (RetryPolicy{}) {
		o.Retry = DefaultRetry
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	if o.InitialMmapSize <= 0 {
		o.InitialMmapSize = 256 << 20
	}
	if o.SegmentThreshold == 0 {
		o.SegmentThreshold = DefaultSegmentThreshold
	}
	if o.SegmentSize <= 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	o.Compact.setDefaults()
}

// load is Open's one transaction, in this order: it creates the buckets
// a new spool lacks (and the per-destination schedule an older one
// lacks), reads the ids' high-water mark hwm, puts the recipients a crash
// left in flight back on the schedule, then loads the holds, the journal's
// bounds, the erasure state and the counters.
func (s *Store) load(tx *bolt.Tx) (hwm uint64, err error) {
	if mb := tx.Bucket(bucketMeta); mb != nil {
		if v := mb.Get(keyFormat); v != nil && len(v) != 8 {
			return 0, fmt.Errorf("spool format %x is not a format number: not a spool this sluice wrote", v)
		} else if v != nil && binary.BigEndian.Uint64(v) > spoolFormat {
			return 0, fmt.Errorf("spool format %d is newer than this sluice's (%d): run the sluice that wrote it", binary.BigEndian.Uint64(v), spoolFormat)
		}
	}
	noDestIndex := tx.Bucket(bucketSchedDest) == nil
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return 0, fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if noDestIndex {
		// A spool from before the per-destination schedule: built once.
		n, err := rebuildDestIndex(tx)
		if err != nil {
			return 0, fmt.Errorf("build the per-destination schedule: %w", err)
		}
		if n > 0 {
			s.log.Info("queue: built the per-destination schedule", "entries", n)
		}
	}
	if v := tx.Bucket(bucketMeta).Get(keyHighWater); len(v) == 8 {
		hwm = binary.BigEndian.Uint64(v)
	}
	if err := tx.Bucket(bucketMeta).Put(keyFormat, binary.BigEndian.AppendUint64(nil, spoolFormat)); err != nil {
		return 0, fmt.Errorf("write the spool format: %w", err)
	}
	n, err := recoverInflight(tx, s.opts.Now())
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.log.Info("queue: recovered recipients left in flight", "count", n)
	}
	s.holds.load(tx)
	if err := s.loadJournal(tx); err != nil {
		return 0, err
	}
	if err := s.loadPrivacy(tx); err != nil {
		return 0, err
	}
	return hwm, s.counts.load(tx)
}

// NewID allocates a message id. Ids are allocated before the message is
// written because they appear in the headers (Received, Message-ID) that are
// part of the stored (and signed) bytes.
//
// An id is max(previous + 1, now in microseconds) with the node's number
// in its low bits (IDGen), so ids stay close to the acceptance time
// however long the process runs: the recipient directory and the event
// store purge by id as a time.
func (s *Store) NewID() ID { return s.ids.Next(s.opts.Now()) }

// Close stops the writer after the writes already submitted and closes the
// database. Calls after Close fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed.Swap(true) {
		s.mu.Unlock()
		return nil
	}
	close(s.stopBg)
	s.mu.Unlock()
	// The compactor first: it writes through the writer; then the syncer,
	// which hands what it holds to the writer.
	s.bg.Wait()
	close(s.stopSync)
	s.syncWG.Wait()
	s.mu.Lock()
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
	defer s.segs.close()
	if err := syncFreelist(s.db); err != nil {
		// Only the next Open's speed depends on it: it walks the file.
		s.log.Warn("queue: close: the next start-up will rebuild the freelist", "err", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("queue: close: %w", err)
	}
	return nil
}

// syncFreelist writes bbolt's freelist into the file with one last empty
// commit, so that the next Open reads it (O(free pages)) instead of
// rebuilding it by walking every page of the file.
//
// The spool runs with NoFreelistSync: writing the freelist on every commit
// would cost each group commit O(free pages): 8 bytes per free page, some
// 3 MB per fsync once a million 1 KB messages have drained (~400,000
// free pages). The price is paid at Open: a
// file whose last commit did not write the freelist is walked whole to
// find the free pages — a million queued (1.7 GB) took 0.5 s from the page
// cache and 26 s from disk on this project's test VM, before a listener
// could bind. A clean shutdown now leaves the freelist written (the
// first commit after Open marks it stale again, as before); only a crash
// pays for the walk. db.NoFreelistSync is read by each Commit under the
// writer lock, and the writer has stopped when Close calls this.
func syncFreelist(db *bolt.DB) error {
	db.NoFreelistSync = false
	if err := db.Update(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("write freelist: %w", err)
	}
	return nil
}

// write submits fn to the group committer and waits until the commit that
// holds it is durable (or failed). fn may run more than once (if another
// write in its batch fails the batch is replayed without it), so it must
// compute everything from its inputs and the transaction.
func (s *Store) write(ctx context.Context, fn func(tx *bolt.Tx) error, after func()) error {
	return s.submit(ctx, &writeReq{fn: fn, res: make(chan error, 1), after: after})
}

// writeLazy is write for a lazy write (writeReq.lazy).
func (s *Store) writeLazy(ctx context.Context, fn func(tx *bolt.Tx) error, after func()) error {
	return s.submit(ctx, &writeReq{fn: fn, res: make(chan error, 1), after: after, lazy: true})
}

// submit hands req to the group committer and waits for its outcome.
func (s *Store) submit(ctx context.Context, req *writeReq) error {
	q := s.reqs
	if len(req.segs) > 0 {
		q = s.syncq
	}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return ErrClosed
	}
	select {
	case q <- req:
		s.mu.Unlock()
	case <-ctx.Done():
		s.mu.Unlock()
		return ctx.Err()
	}
	// Once submitted, wait for the outcome even if ctx ends: the write may
	// commit, and the caller must not report failure for durable data.
	return <-req.res
}

func (s *Store) writer() {
	defer s.wg.Done()
	batch := make([]*writeReq, 0, s.opts.MaxBatch)
	lazyTimer := time.NewTimer(time.Hour)
	lazyTimer.Stop()
	for {
		select {
		case req := <-s.reqs:
			batch = append(batch[:0], req)
		case <-s.done:
			// Drain what was submitted before Close.
			for {
				select {
				case req := <-s.reqs:
					s.commit([]*writeReq{req})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case req := <-s.reqs:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		if lazyOnly(batch) {
			batch = s.awaitCompany(batch, lazyTimer)
		}
		s.commit(batch)
	}
}

func lazyOnly(batch []*writeReq) bool {
	for _, r := range batch {
		if !r.lazy {
			return false
		}
	}
	return true
}

// awaitCompany holds a batch of lazy writes up to lazyWait for a write
// that is not lazy, then returns the batch with what came meanwhile.
func (s *Store) awaitCompany(batch []*writeReq, t *time.Timer) []*writeReq {
	wait := lazyWait
	if s.opts.lazyWait > 0 {
		wait = s.opts.lazyWait
	}
	t.Reset(wait)
	s.lazyHeld.Store(true)
	defer func() {
		t.Stop()
		s.lazyHeld.Store(false)
	}()
	for len(batch) < s.opts.MaxBatch {
		select {
		case req := <-s.reqs:
			batch = append(batch, req)
			if !req.lazy {
				return batch
			}
		case <-t.C:
			return batch
		case <-s.done:
			return batch
		}
	}
	return batch
}

// commit runs a batch in one transaction. A write whose fn fails is answered
// with its error and the rest is replayed without it, so one bad write never
// fails its neighbours.
func (s *Store) commit(batch []*writeReq) {
	if s.beforeCommit != nil && len(batch) > 0 {
		s.beforeCommit()
	}
	for len(batch) > 0 {
		failed := -1
		var fnErr error
		start := time.Now()
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, req := range batch {
				if err := req.fn(tx); err != nil {
					failed, fnErr = i, err
					return err
				}
			}
			return s.bumpHighWater(tx)
		})
		if failed >= 0 {
			batch[failed].res <- fnErr
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		if s.opts.Observe != nil {
			s.opts.Observe(time.Since(start), len(batch), err)
		}
		if err != nil {
			err = classifyWriteErr(err)
			s.log.Error("queue: commit failed", "writes", len(batch), "err", err)
		}
		for _, req := range batch {
			if err == nil && req.after != nil {
				req.after()
			}
			req.res <- err
		}
		return
	}
}

// syncer takes the writes that appended bodies to segment files, all those
// waiting at once (up to MaxBatch), fdatasyncs each segment they touched
// once, and hands them to the writer: a write reaches a bbolt commit only
// with its bodies durable, and the sync of one group runs while the
// writer commits the previous one.
func (s *Store) syncer() {
	defer s.syncWG.Done()
	batch := make([]*writeReq, 0, s.opts.MaxBatch)
	for {
		select {
		case req := <-s.syncq:
			batch = append(batch[:0], req)
		case <-s.stopSync:
			// Close: no write is submitted any more; forward the last.
			for {
				select {
				case req := <-s.syncq:
					s.forward([]*writeReq{req})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case req := <-s.syncq:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		s.forward(batch)
	}
}

// forward syncs batch's segments and hands the writes whose sync worked
// to the writer.
func (s *Store) forward(batch []*writeReq) {
	for _, req := range s.syncSegments(batch) {
		s.reqs <- req
	}
}

// syncSegments fdatasyncs, once each, the segment files the batch's
// writes appended bodies to, so that the commit never references bytes
// that are not durable. A write whose segment fails to sync is answered
// with the error and left out of the commit; its segment, broken, is
// never appended to again, and every later write with a body in it is
// refused too (segments.sync), whatever a later fdatasync says.
func (s *Store) syncSegments(batch []*writeReq) []*writeReq {
	var synced []*segFile
	var failed map[*segFile]error
	for _, req := range batch {
		for _, seg := range req.segs {
			if slices.Contains(synced, seg) || failed[seg] != nil {
				continue
			}
			if err := s.segs.sync(seg); err != nil {
				if failed == nil {
					failed = map[*segFile]error{}
				}
				failed[seg] = classifyWriteErr(err)
				s.log.Error("queue: segment sync failed", "segment", seg.num, "err", err)
				continue
			}
			synced = append(synced, seg)
		}
	}
	if failed == nil {
		return batch
	}
	kept := batch[:0]
	for _, req := range batch {
		var err error
		for _, seg := range req.segs {
			if err = failed[seg]; err != nil {
				break
			}
		}
		if err != nil {
			req.res <- err
			continue
		}
		kept = append(kept, req)
	}
	return kept
}

func (s *Store) bumpHighWater(tx *bolt.Tx) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.ids.Last())
	return tx.Bucket(bucketMeta).Put(keyHighWater, b[:])
}

func classifyWriteErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return fmt.Errorf("queue: commit: %w", err)
}
