package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sluice/internal/clock"
	"sluice/internal/readahead"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by calls made after Close.
var ErrClosed = errors.New("events: store closed")

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// QueueSize is how many recorded events may wait for the writer;
	// beyond it Record drops. Default 65536.
	QueueSize int
	// MaxBatch caps the events written in one transaction. Default 4096.
	MaxBatch int
	// BatchDelay is how long the writer waits, after the first event of a
	// batch, for more to join it: fewer, larger transactions cost less CPU
	// per event. Flush and Close do not wait. Default 10ms; negative: none.
	BatchDelay time.Duration
	// Retention is how long events are kept. Default 90 days; negative
	// keeps them for ever.
	Retention time.Duration
	// PurgeInterval is how often expired events are purged. Default 1h.
	PurgeInterval time.Duration
	// PurgeBatch caps the keys deleted in one purge transaction, so a purge
	// never holds the write lock for long (a key of the ev bucket is a
	// whole batch of events). Default 10000.
	PurgeBatch int
	// NoSync skips the fsync of each batch: a crash may then lose the last
	// batches. Default false (each batch is durable when committed).
	NoSync bool
	// Now is the clock. Default clock.Now (the real clock).
	Now func() time.Time
	// Logger receives write and purge errors. Default slog.Default().
	Logger *slog.Logger
	// InTx, when set, is the store's subscriber: it runs in the writer
	// goroutine inside each write transaction, after the batch's events
	// are applied, and what it writes through tx (buckets of its own, see
	// Tx) commits or rolls back with them; an error aborts the whole batch
	// (counted in Metrics.Lost). evs are the batch's stored events, with
	// times set, strings bounded and campaigns filled in; anonymous ones
	// (counted, not stored) are left out. evs is reused after the call:
	// copy what must outlive it. tracking/webhook's outbox uses it to queue
	// deliveries atomically.
	InTx func(tx *Tx, evs []Event) error

	// beforeWrite, when set (by this package's tests), runs before each
	// write transaction, in the writer goroutine.
	beforeWrite func()
	// writeErr, when set (by this package's tests), runs inside each write
	// transaction: an error it returns aborts the transaction, as a full
	// disk would.
	writeErr func() error
}

func (o *Options) setDefaults() {
	if o.QueueSize <= 0 {
		o.QueueSize = 65536
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 4096
	}
	if o.BatchDelay == 0 {
		o.BatchDelay = 10 * time.Millisecond
	}
	if o.Retention == 0 {
		o.Retention = 90 * 24 * time.Hour
	}
	if o.PurgeInterval <= 0 {
		o.PurgeInterval = time.Hour
	}
	if o.PurgeBatch <= 0 {
		o.PurgeBatch = 10000
	}
	if o.Now == nil {
		o.Now = clock.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Metrics are the store's own counters, for the operator's metrics.
type Metrics struct {
	// Recorded counts events accepted by Record.
	Recorded uint64
	// Dropped counts events Record refused because the queue was full or
	// the store closed, plus those abandoned when Close ran out of time.
	Dropped uint64
	// Invalid counts events refused for lacking a kind or tenant.
	Invalid uint64
	// Written counts events committed (anonymous ones included).
	Written uint64
	// Lost counts events of batches whose transaction failed.
	Lost uint64
	// Batches counts write transactions.
	Batches uint64
	// Purged counts events deleted by retention.
	Purged uint64
	// Queued is the number of events waiting for the writer now.
	Queued int
	// Journaled counts events committed from the spool's journal (see
	// Follower); JournalErrors the journal batches whose commit failed
	// (they are retried: nothing is lost).
	Journaled, JournalErrors uint64
}

// Bucket names.
const (
	bucketEv   = "ev"
	bucketMsg  = "msg"
	bucketUniq = "uniq"
	bucketCnt  = "cnt"
	bucketCamp = "camp"
	// bucketJournal holds, per spool journal id, the last sequence of
	// that journal committed here (see journal.go).
	bucketJournal = "journal"
	// bucketErased holds a tombstone per erased recipient (message id,
	// recipient index, tenant → present): journal entries still to come
	// for it are dropped (see privacy.go).
	bucketErased = "erased"
)

// Store is the event store. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	opts Options
	log  *slog.Logger

	// Recorded events wait in queue for the writer. A slice under a mutex
	// rather than a channel: a channel send wakes the writer for every
	// event, while Record signals wake only when the queue becomes
	// non-empty or reaches MaxBatch.
	qmu    sync.Mutex
	queue  []Event       // guarded by qmu
	closed bool          // guarded by qmu; set by Close
	wake   chan struct{} // capacity 1

	flushc    chan chan struct{}
	applyc    chan *applyReq // journal batches, committed by the writer
	campaigns *campaignCache // the writer's
	late      lateState
	held      []Event     // the writer's: events waiting for their "sent" (hold.go)
	heldTimer *time.Timer // the writer's: fires holdMax after the first held

	quit       chan struct{} // closed by Close: drain and stop
	abandon    chan struct{} // closed when Close runs out of time
	writerDone chan struct{}
	purgeDone  chan struct{}
	stopPurge  context.CancelFunc
	closeOnce  sync.Once

	recorded, dropped, invalid, written, lost, batches, purged atomic.Uint64
	journaled, journalErrors                                   atomic.Uint64
}

// Open opens (creating if needed) the event store at path and starts its
// writer and, unless retention is negative, its purger.
func Open(path string, opts Options) (*Store, error) {
	opts.setDefaults()
	// After a crash bolt.Open walks every page to rebuild the freelist:
	// read the file into the page cache ahead of it, as the spool does.
	stopReadahead := readahead.Start(path, nil)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        2 * time.Second, // another process holds the lock
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true,
		NoSync:         opts.NoSync,
	})
	stopReadahead()
	if err != nil {
		return nil, fmt.Errorf("events: open %s: %w", path, err)
	}
	var lateAny bool
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{bucketEv, bucketMsg, bucketUniq, bucketCnt, bucketCamp, bucketJournal, bucketErased, bucketLate} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		lateAny = hasLate(tx)
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("events: open %s: %w", path, err)
	}
	s := &Store{
		db:         db,
		opts:       opts,
		log:        opts.Logger,
		wake:       make(chan struct{}, 1),
		campaigns:  newCampaignCache(1 << 16),
		flushc:     make(chan chan struct{}),
		applyc:     make(chan *applyReq),
		quit:       make(chan struct{}),
		abandon:    make(chan struct{}),
		writerDone: make(chan struct{}),
		purgeDone:  make(chan struct{}),
	}
	s.late.any.Store(lateAny)
	s.heldTimer = time.NewTimer(time.Hour)
	s.heldTimer.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	s.stopPurge = cancel
	go s.writer()
	if opts.Retention > 0 {
		go s.purger(ctx)
	} else {
		close(s.purgeDone)
	}
	return s, nil
}

// Record queues ev for writing and returns at once. It reports false when
// the event was not queued: the queue is full or the store closed (counted
// in Metrics.Dropped), or the event has no kind or tenant (Metrics.Invalid).
func (s *Store) Record(ev Event) bool {
	if ev.Kind == "" || ev.Tenant == "" {
		s.invalid.Add(1)
		return false
	}
	s.qmu.Lock()
	if s.closed || len(s.queue) >= s.opts.QueueSize {
		s.qmu.Unlock()
		s.dropped.Add(1)
		return false
	}
	s.queue = append(s.queue, ev)
	n := len(s.queue)
	s.qmu.Unlock()
	s.recorded.Add(1)
	if n == 1 || n == s.opts.MaxBatch {
		s.signal()
	}
	return true
}

// signal wakes the writer, or leaves a wake-up pending for it.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// queued returns the number of events waiting for the writer.
func (s *Store) queued() int {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return len(s.queue)
}

// take moves up to MaxBatch queued events, oldest first, into batch (which
// must be empty) and returns it. It swaps buffers when it can, so that the
// events are not copied.
func (s *Store) take(batch []Event) []Event {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if len(s.queue) <= s.opts.MaxBatch {
		batch, s.queue = s.queue, batch
		return batch
	}
	batch = append(batch, s.queue[:s.opts.MaxBatch]...)
	rest := copy(s.queue, s.queue[s.opts.MaxBatch:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	s.signal() // what is left is the next batch
	return batch
}

// Flush returns when every event recorded before the call is committed (or
// lost to a failed transaction, see Metrics.Lost), or when ctx is done.
func (s *Store) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case s.flushc <- done:
	case <-s.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, writes those queued, stops the purger and
// closes the database. If ctx ends first, the events still queued are
// dropped (and counted) after the batch in progress, the database is closed
// all the same, and ctx's error is returned.
func (s *Store) Close(ctx context.Context) error {
	err := ErrClosed
	s.closeOnce.Do(func() {
		s.qmu.Lock()
		s.closed = true
		s.qmu.Unlock()
		close(s.quit)
		s.stopPurge()
		err = nil
		select {
		case <-s.writerDone:
		case <-ctx.Done():
			err = ctx.Err()
			close(s.abandon)
			<-s.writerDone
		}
		<-s.purgeDone
		if ferr := syncFreelist(s.db); ferr != nil {
			// Only the next Open's speed depends on it: it walks the file.
			s.log.Warn("events: close: the next start-up will rebuild the freelist", "err", ferr)
		}
		if cerr := s.db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("events: close: %w", cerr)
		}
	})
	return err
}

// Metrics returns the store's counters.
func (s *Store) Metrics() Metrics {
	return Metrics{
		Recorded: s.recorded.Load(),
		Dropped:  s.dropped.Load(),
		Invalid:  s.invalid.Load(),
		Written:  s.written.Load(),
		Lost:     s.lost.Load(),
		Batches:  s.batches.Load(),
		Purged:   s.purged.Load(),
		Queued:   s.queued(),

		Journaled:     s.journaled.Load(),
		JournalErrors: s.journalErrors.Load(),
	}
}

// writer is the one goroutine that writes events: woken when the queue
// becomes non-empty, it lingers for more (see linger), takes up to
// MaxBatch and commits them together.
func (s *Store) writer() {
	defer close(s.writerDone)
	var batch []Event
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select { // Close first: then drain checks for abandon.
		case <-s.quit:
			s.drain(batch)
			return
		default:
		}
		select {
		case <-s.wake:
			if s.linger(timer) {
				batch = s.write(s.take(batch[:0]))
			}
		case done := <-s.flushc:
			batch = s.drain(batch)
			close(done)
		case req := <-s.applyc:
			s.applyJournal(req)
			s.releaseHeld(false)
		case <-s.heldTimer.C:
			s.releaseHeld(true)
		case <-s.quit:
			s.drain(batch)
			return
		}
	}
}

// linger waits up to BatchDelay for the queue to reach MaxBatch, unless
// Close is waiting. It reports false when it answered a Flush instead (by
// writing everything queued), leaving nothing for the caller to write.
func (s *Store) linger(timer *time.Timer) bool {
	if s.opts.BatchDelay <= 0 {
		return true
	}
	timer.Reset(s.opts.BatchDelay)
	defer timer.Stop()
	for s.queued() < s.opts.MaxBatch {
		select {
		case <-s.wake: // the queue reached MaxBatch (or a stale wake-up)
		case <-timer.C:
			return true
		case <-s.quit:
			return true
		case done := <-s.flushc:
			s.drain(nil)
			close(done)
			return false
		case req := <-s.applyc: // its own transaction; the lingering batch waits
			s.applyJournal(req)
			s.releaseHeld(false)
		}
	}
	return true
}

// drain writes batches until the queue is empty and returns the buffer
// for reuse. After Close gave up, what is left is dropped.
func (s *Store) drain(batch []Event) []Event {
	for {
		select {
		case <-s.abandon:
			s.qmu.Lock()
			s.dropped.Add(uint64(len(s.queue)))
			clear(s.queue)
			s.queue = s.queue[:0]
			s.qmu.Unlock()
			return batch
		default:
		}
		batch = s.take(batch[:0])
		if len(batch) == 0 {
			s.releaseHeld(true) // Flush and Close write everything recorded
			return batch
		}
		batch = s.write(batch)
	}
}

// write commits batch in one transaction and returns it emptied (its
// events cleared, so that their strings can be collected).
func (s *Store) write(batch []Event) []Event {
	if len(batch) == 0 {
		return batch
	}
	defer clear(batch)
	s.commitDirect(s.holdAhead(batch))
	return batch[:0]
}

// commitDirect commits recorded events (not a journal batch) in one
// transaction, counting them written or lost.
func (s *Store) commitDirect(batch []Event) {
	if len(batch) == 0 {
		return
	}
	err := s.commit(batch, nil)
	s.batches.Add(1)
	if err != nil {
		s.lost.Add(uint64(len(batch)))
		s.log.Error("events: write batch", "events", len(batch), "err", err)
		return
	}
	s.written.Add(uint64(len(batch)))
}

// commit applies batch in one transaction. A journal batch (mark set)
// first drops the events the store already has (those of sequences up to
// the last applied) and records its last sequence in the same
// transaction, so replaying it after a crash adds nothing. On failure the
// campaign cache, which may hold entries of the rolled-back transaction,
// is reset.
func (s *Store) commit(batch []Event, mark *journalMark) error {
	if s.opts.beforeWrite != nil {
		s.opts.beforeWrite()
	}
	now := s.opts.Now()
	var maxSent uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		if s.opts.writeErr != nil {
			if err := s.opts.writeErr(); err != nil {
				return err
			}
		}
		if mark != nil {
			batch = mark.fresh(tx, batch)
		}
		w := newBatchWriter(tx, s.campaigns)
		w.lateWriter = lateWriter{lateSt: &s.late, late: bucket(tx, bucketLate), direct: mark == nil, now: now}
		for i := range batch {
			ev := &batch[i]
			if ev.Time.IsZero() {
				ev.Time = now
			}
			ev.normalize()
			if err := w.apply(ev); err != nil {
				return err
			}
			// A large batch is milliseconds of CPU: let the HTTP
			// goroutines waiting for this P run now and then, so that
			// the edge's latency does not jump at each commit.
			if i%128 == 127 {
				runtime.Gosched()
			}
		}
		if s.opts.InTx != nil {
			// Only what is stored: compacted in place, the batch is
			// cleared after this write.
			stored := batch[:0]
			for i := range batch {
				if !batch[i].Anonymous {
					stored = append(stored, batch[i])
				}
			}
			if err := s.opts.InTx(&Tx{tx}, stored); err != nil {
				return fmt.Errorf("on commit: %w", err)
			}
		}
		if mark != nil {
			if err := mark.save(tx); err != nil {
				return err
			}
		}
		if err := w.finish(now); err != nil {
			return err
		}
		maxSent = w.maxSent
		return nil
	})
	if err != nil {
		s.campaigns.reset()
		return err
	}
	if maxSent > s.late.sentMark.Load() {
		s.late.sentMark.Store(maxSent) // only the writer goroutine stores
	}
	return nil
}

// bucket returns the named bucket of tx (created at Open).
func bucket(tx *bolt.Tx, name string) *bolt.Bucket { return tx.Bucket([]byte(name)) }
