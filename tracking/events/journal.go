package events

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/internal/event"
	"sluice/queue"
)

// KindDeleted is a recipient removed from the queue by an operator (never
// tried again, not counted as failed: the spool does not count it either).
// Stored and exported, not counted.
const KindDeleted = event.Deleted

// Reasons of the events the journal produces.
const (
	ReasonSuppressed     = "suppressed"      // failed: dropped by the pre-send suppression check
	ReasonOperatorBounce = "operator_bounce" // failed: bounced by an operator
	ReasonOperatorDelete = "operator_delete" // deleted by an operator
)

// maxSentRcpts bounds the events one "sent" journal entry expands to, so
// that a damaged entry cannot exhaust memory (submission's own limit is far
// lower).
const maxSentRcpts = 1 << 17

// Journal is the source a Follower drains: the spool's event journal
// (queue.Store implements it). Entries come oldest first; AckJournal
// removes those up to a sequence once they are committed here.
type Journal interface {
	ReadJournal(max int) ([]queue.JournalEntry, error)
	AckJournal(ctx context.Context, seq uint64) error
}

var _ Journal = (*queue.Store)(nil)

// keyJournalApplied is the key, in bucketJournal, of the last journal
// sequence committed (8 bytes, big-endian).
var keyJournalApplied = []byte("applied")

// journalMark is the sequence bookkeeping of one journal batch: seqs[i]
// is the sequence of the i-th event; last the batch's last sequence.
type journalMark struct {
	seqs []uint64
	last uint64
}

// fresh returns the events of batch the store does not have yet (their
// sequence is after the last applied one), compacted in place.
func (m *journalMark) fresh(tx *bolt.Tx, batch []Event) []Event {
	applied := appliedSeq(tx)
	out := batch[:0]
	for i := range batch {
		if m.seqs[i] > applied {
			out = append(out, batch[i])
		}
	}
	return out
}

// save records the batch's last sequence as applied.
func (m *journalMark) save(tx *bolt.Tx) error {
	if m.last <= appliedSeq(tx) {
		return nil
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], m.last)
	return bucket(tx, bucketJournal).Put(keyJournalApplied, v[:])
}

func appliedSeq(tx *bolt.Tx) uint64 {
	if v := bucket(tx, bucketJournal).Get(keyJournalApplied); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// AppliedJournal returns the last spool journal sequence committed here.
func (s *Store) AppliedJournal() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		seq = appliedSeq(tx)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("events: applied journal: %w", err)
	}
	return seq, nil
}

// applyReq is one journal batch for the writer.
type applyReq struct {
	evs  []Event
	mark journalMark
	res  chan error
}

// applyJournal commits req in the writer goroutine, in its own (fsync'd)
// transaction, and answers it.
func (s *Store) applyJournal(req *applyReq) {
	n := len(req.evs)
	err := s.commit(req.evs, &req.mark)
	s.batches.Add(1)
	if err != nil {
		s.journalErrors.Add(1)
		req.res <- fmt.Errorf("events: journal batch through %d: %w", req.mark.last, err)
		return
	}
	s.journaled.Add(uint64(n))
	req.res <- nil
}

// apply commits evs (seqs[i] is the journal sequence of evs[i]; last is the
// batch's last sequence) and returns once the commit is durable (fsync'd,
// unless Options.NoSync) or has failed. Events of sequences already
// applied are skipped, so a batch may be replayed.
func (s *Store) apply(ctx context.Context, evs []Event, seqs []uint64, last uint64) error {
	req := &applyReq{evs: evs, mark: journalMark{seqs: seqs, last: last}, res: make(chan error, 1)}
	select {
	case s.applyc <- req:
	case <-s.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.res // once taken, the writer always answers
}

// journalEvents appends the events of one journal entry to evs and their
// sequence to seqs.
func journalEvents(e *queue.JournalEntry, evs []Event, seqs []uint64) ([]Event, []uint64) {
	if e.Tenant == "" {
		return evs, seqs // an orphan outcome (its message was gone) or a skipped entry
	}
	ev := Event{Time: e.Time, Tenant: e.Tenant, Message: uint64(e.ID), Rcpt: e.Index}
	switch e.Kind {
	case queue.JournalSent:
		ev.Kind, ev.Campaign = KindSent, e.Campaign
		for i := uint32(0); i < min(e.Rcpts, maxSentRcpts); i++ {
			ev.Rcpt = i
			evs, seqs = append(evs, ev), append(seqs, e.Seq)
		}
		return evs, seqs
	case queue.JournalDelivered:
		ev.Kind = KindDelivered
	case queue.JournalDeferred:
		ev.Kind = KindDeferred
	case queue.JournalFailed:
		ev.Kind = KindFailed
	case queue.JournalSuppressed:
		ev.Kind, ev.Reason = KindFailed, ReasonSuppressed
	case queue.JournalBounced:
		ev.Kind, ev.Reason = KindFailed, ReasonOperatorBounce
	case queue.JournalDeleted:
		ev.Kind, ev.Reason = KindDeleted, ReasonOperatorDelete
	case queue.JournalBounce:
		ev.Kind, ev.Reason = KindBounce, e.Reply
	case queue.JournalComplaint:
		ev.Kind, ev.Reason = KindComplaint, e.Reply
	case queue.JournalUnsubscribe:
		ev.Kind, ev.Reason = KindUnsubscribe, e.Reply
	default:
		return evs, seqs
	}
	return append(evs, ev), append(seqs, e.Seq)
}

// FollowOptions tune a Follower. Zero values take the defaults.
type FollowOptions struct {
	// MaxBatch caps the journal entries of one transaction. Default 1000.
	MaxBatch int
	// Poll is how often the journal is read without a Kick. Default 1s.
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failed batch: it
	// starts at MinBackoff and doubles. Defaults 100ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives failures. Default: the store's.
	Logger *slog.Logger
}

// Follower drains a Journal into a Store: it reads a batch of entries in
// order, commits their events in one durable transaction that also records
// the batch's last sequence, then acknowledges the batch to the journal.
// A failed commit (a full disk, an I/O error) leaves the entries in the
// journal and is retried with backoff; a crash between the commit and the
// acknowledgement replays the batch, whose events the store then skips:
// every journaled event is stored exactly once. Run one Follower per
// journal.
type Follower struct {
	s    *Store
	j    Journal
	o    FollowOptions
	log  *slog.Logger
	kick chan struct{}

	failures atomic.Uint64
}

// Follow returns a Follower of j into s; start it with Run.
func (s *Store) Follow(j Journal, o FollowOptions) *Follower {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.Logger == nil {
		o.Logger = s.log
	}
	return &Follower{s: s, j: j, o: o, log: o.Logger, kick: make(chan struct{}, 1)}
}

// Kick says the journal has new entries (the spool's OnJournal). It never
// blocks.
func (f *Follower) Kick() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Failures counts the batches that failed (to commit or to acknowledge).
func (f *Follower) Failures() uint64 { return f.failures.Load() }

// Run drains the journal until ctx ends, woken by Kick or every Poll, and
// backs off after failures. It returns nil when ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	wait := f.o.MinBackoff
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		_, err := f.Drain(ctx)
		next := f.o.Poll
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.log.Warn("events: journal not applied yet; retrying", "err", err, "retry_in", wait.String())
			next, wait = wait, min(2*wait, f.o.MaxBackoff)
		} else {
			wait = f.o.MinBackoff
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
			return nil
		case <-f.kick:
			if err != nil {
				// A failure waits out its backoff even when kicked:
				// every commit would fail the same way.
				select {
				case <-ctx.Done():
					return nil
				case <-timer.C:
				}
			}
		case <-timer.C:
		}
		timer.Stop() // Go ≥ 1.23: Reset after Stop needs no drain
	}
}

// Drain applies batches until the journal is empty and returns how many
// events it committed, or stops at the first failure (the failed batch
// stays in the journal).
func (f *Follower) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := f.step(ctx)
		total += n
		if err != nil {
			f.failures.Add(1)
			return total, err
		}
		if !more {
			return total, nil
		}
	}
}

// step applies and acknowledges one batch; more reports whether the
// journal may hold more.
func (f *Follower) step(ctx context.Context) (n int, more bool, err error) {
	entries, err := f.j.ReadJournal(f.o.MaxBatch)
	if err != nil || len(entries) == 0 {
		return 0, false, err
	}
	var evs []Event
	var seqs []uint64
	for i := range entries {
		evs, seqs = journalEvents(&entries[i], evs, seqs)
	}
	last := entries[len(entries)-1].Seq
	if err := f.s.apply(ctx, evs, seqs, last); err != nil {
		return 0, false, err
	}
	if err := f.j.AckJournal(ctx, last); err != nil {
		// Committed here already: a replay is skipped.
		return len(evs), false, fmt.Errorf("events: acknowledge journal: %w", err)
	}
	return len(evs), len(entries) == f.o.MaxBatch, nil
}
