package accounting

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"sluice/internal/clock"
	"sluice/internal/event"
	"sluice/internal/logging"
	"sluice/tracking/events"
)

// Options configures a Writer. Dir is required; the zero value of the
// others gives the defaults.
type Options struct {
	// Dir is the log's directory (configs: accounting.path, default
	// data_dir/accounting), created if needed.
	Dir string
	// Name is the files' base name: Name.jsonl, then Name-<time>.jsonl.gz.
	// Default "accounting".
	Name string
	// MaxSize rotates the file once it holds this many bytes. Default
	// 100 MiB; negative: no size limit.
	MaxSize int64
	// Daily rotates the file at the first write of each UTC day.
	Daily bool
	// Keep is how many rotated (compressed) files are kept; the oldest
	// beyond are removed. Default 30; negative: all.
	Keep int
	// MaxAge removes rotated files rotated longer ago than this (by the
	// time in their names), checked at each rotation and each start.
	// Zero: no age cap.
	MaxAge time.Duration
	// Kinds are the event kinds logged. Default DefaultKinds.
	Kinds []events.Kind
	// Recipients is how recipients appear: log.recipients (hash by
	// default, with Hash; without Hash, domain).
	Recipients logging.Mode
	// Hash is the spool's keyed hash (queue.Store.HashAddr).
	Hash logging.Hasher
	// Recipient looks recipients' addresses up (nil: lines carry none).
	Recipient RecipientFunc
	// RetryFirst and RetryMax bound the backoff after a failed write
	// (full disk): it doubles from RetryFirst up to RetryMax. Defaults 1s
	// and 1m.
	RetryFirst, RetryMax time.Duration
	// ReadChunks caps the outbox chunks (of up to 4096 lines) written per
	// fsync. Default 4.
	ReadChunks int
	// FS is the filesystem. Default OSFS.
	FS FS
	// Now is the clock (line times come from the events; it dates
	// rotations). Default clock.Now.
	Now func() time.Time
	// Logger receives write errors. Default slog.Default().
	Logger *slog.Logger
}

// DefaultKinds are the kinds logged by default: every reception, delivery
// outcome, return and unsubscribe, not opens and clicks (many, and not
// billed).
func DefaultKinds() []events.Kind {
	return []events.Kind{event.Sent, event.Delivered, event.Deferred, event.Failed,
		event.Bounce, event.Complaint, event.Unsubscribe, event.Deleted}
}

func (o *Options) setDefaults() {
	if o.Name == "" {
		o.Name = "accounting"
	}
	if o.MaxSize == 0 {
		o.MaxSize = 100 << 20
	}
	if o.Keep == 0 {
		o.Keep = 30
	}
	if o.Kinds == nil {
		o.Kinds = DefaultKinds()
	}
	if o.RetryFirst <= 0 {
		o.RetryFirst = time.Second
	}
	if o.RetryMax < o.RetryFirst {
		o.RetryMax = max(time.Minute, o.RetryFirst)
	}
	if o.ReadChunks <= 0 {
		o.ReadChunks = 4
	}
	if o.FS == nil {
		o.FS = OSFS{}
	}
	if o.Now == nil {
		o.Now = clock.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Writer is the accounting log: Append (the events store's InTx hook)
// queues lines in the events file, and Run writes them out, in order,
// each exactly once.
type Writer struct {
	opts      Options
	fs        FS
	dir, name string
	kinds     map[events.Kind]bool
	red       redactor
	now       func() time.Time
	log       *slog.Logger
	wake      chan struct{} // capacity 1

	// The writer goroutine's state.
	file        *logFile
	written     uint64 // last sequence in the log (fsync'd)
	compressDue bool
	outbox      string // the outbox id checked against the log (identity.go)
	foreign     bool   // the current file ends with another outbox's line

	backlog                                              atomic.Int64
	lines, bytes, writeErrors, rotations, compressErrors atomic.Uint64

	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan struct{}
}

// New returns a Writer; Append may be used at once, Start writes.
func New(opts Options) (*Writer, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("accounting: no directory")
	}
	opts.setDefaults()
	w := &Writer{opts: opts, fs: opts.FS, dir: opts.Dir, name: opts.Name,
		kinds: make(map[events.Kind]bool, len(opts.Kinds)),
		red:   redactor{mode: opts.Recipients, hash: opts.Hash, recipient: opts.Recipient},
		now:   opts.Now, log: opts.Logger, wake: make(chan struct{}, 1), done: make(chan struct{})}
	for _, k := range opts.Kinds {
		w.kinds[k] = true
	}
	return w, nil
}

// Stats are the writer's counters, for the metrics.
type Stats struct {
	// Lines and Bytes count what was written (fsync'd).
	Lines, Bytes uint64
	// Backlog is the number of lines waiting to be written.
	Backlog int64
	// WriteErrors counts failed writes (a full disk…), each retried;
	// CompressErrors failed compressions of rotated files.
	WriteErrors, CompressErrors uint64
	// Rotations counts rotated files.
	Rotations uint64
}

// Stats returns the writer's counters.
func (w *Writer) Stats() Stats {
	return Stats{Lines: w.lines.Load(), Bytes: w.bytes.Load(), Backlog: max(w.backlog.Load(), 0),
		WriteErrors: w.writeErrors.Load(), CompressErrors: w.compressErrors.Load(), Rotations: w.rotations.Load()}
}

func (w *Writer) current() string { return filepath.Join(w.dir, w.name+ext) }

func (w *Writer) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start runs the writer over s until Stop. s must be the store whose
// InTx hook calls Append.
func (w *Writer) Start(s Store) {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() {
		defer close(w.done)
		w.run(ctx, s)
	}()
}

// Stop stops the writer after the write in progress and closes the file;
// what is not written stays in the outbox for the next start. It returns
// early when ctx ends.
func (w *Writer) Stop(ctx context.Context) error {
	w.stopOnce.Do(func() {
		if w.cancel != nil {
			w.cancel()
		} else {
			close(w.done)
		}
	})
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run writes until ctx ends: after each failure it waits (doubling from
// RetryFirst to RetryMax) and tries again; the outbox keeps every line
// meanwhile.
func (w *Writer) run(ctx context.Context, s Store) {
	defer func() {
		if w.file != nil {
			w.file.close()
		}
	}()
	if n, err := countBacklog(s); err == nil {
		w.backlog.Store(n)
	}
	w.compressDue = true
	delay := w.opts.RetryFirst
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		more, err := w.pass(s)
		wait := time.Duration(0)
		switch {
		case err != nil:
			w.writeErrors.Add(1)
			w.log.Error("accounting: log not written, will retry", "err", err, "retry_in", delay.String(), "backlog", w.backlog.Load())
			wait, delay = delay, min(2*delay, w.opts.RetryMax)
		case more:
			delay = w.opts.RetryFirst
			if ctx.Err() != nil {
				return
			}
			continue
		default:
			delay = w.opts.RetryFirst
			wait = w.idleWait()
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
			if err != nil { // a failed write waits out its backoff
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// idleWait is how long to sleep with nothing to write: until the daily
// rotation is due, at most a minute (so housekeeping retries too).
func (w *Writer) idleWait() time.Duration {
	now := w.now()
	d := time.Minute
	if w.opts.Daily {
		d = min(d, max(nextMidnight(now).Sub(now), time.Millisecond))
	}
	return d
}

// pass writes one group of chunks and acknowledges it. It reports whether
// more may be waiting.
func (w *Writer) pass(s Store) (more bool, err error) {
	if err := w.open(); err != nil {
		return false, err
	}
	if w.outbox == "" {
		if err := w.checkOutbox(s); err != nil {
			return false, err
		}
	}
	cs, acked, ceiling, err := readChunks(s, w.opts.ReadChunks)
	if err != nil {
		return false, err
	}
	w.settleWritten(acked, ceiling)
	// Everything in the file is acknowledged when the last ack succeeded
	// (acked == written): only then may it be rotated, so that recovery
	// always finds the unacknowledged lines in the current file.
	if acked == w.written && w.rotationDue(w.now()) {
		if err := w.rotate(); err != nil {
			return false, err
		}
	}
	if w.compressDue {
		if err := w.housekeep(); err != nil {
			w.log.Warn("accounting: rotated files", "err", err)
		}
	}
	if len(cs) == 0 {
		// The outbox is empty: resynchronise the gauge. The count taken at
		// start and the commits' own additions can overlap (a commit is
		// visible before its OnCommit runs), which would otherwise leave
		// the gauge above zero for good. A commit landing between the read
		// and this store only shows low until its own pass.
		w.backlog.Store(0)
		return false, nil
	}
	r := w.render(cs)
	if err := w.writeLines(r); err != nil {
		return false, err
	}
	if err := ack(s, cs, w.written); err != nil {
		return false, err
	}
	w.backlog.Add(-int64(r.seen))
	return len(cs) == w.opts.ReadChunks, nil
}

// open opens the current log file, its directory made first, unless it is
// open already, and takes its last sequence as written (unless the file
// was found foreign).
func (w *Writer) open() error {
	if w.file != nil {
		return nil
	}
	if err := w.fs.MkdirAll(w.dir, 0o750); err != nil {
		return fmt.Errorf("accounting: %w", err)
	}
	f, err := openLog(w.fs, w.current())
	if err != nil {
		return err
	}
	w.file = f
	if !w.foreign {
		w.written = max(w.written, f.last)
	}
	return nil
}

// settleWritten reconciles the last sequence in the log (w.written) with
// the outbox's: acked, the last one it acknowledged, and ceiling, the
// last one it gave out.
func (w *Writer) settleWritten(acked, ceiling uint64) {
	if w.written > ceiling {
		// The log's last line has a sequence this outbox never gave out:
		// the events file is new (deleted, lost) or restored from an older
		// copy, and numbers lines afresh. Skipping "written" sequences
		// would drop every new line up to the old number; the lines are
		// numbered from the outbox's own state instead (after a restore,
		// lines written since the copy are written again: doubled, not
		// lost).
		w.log.Warn("accounting: the log is ahead of the events store's outbox (a new or restored events file): numbering lines from the outbox",
			"log_last_seq", w.written, "outbox_last_seq", ceiling)
		w.written = acked
	}
	w.written = max(w.written, acked)
}

// rendered is one pass's output: the lines to append and what they cover.
type rendered struct {
	buf   []byte    // the rendered lines
	first time.Time // the time of the first line written
	last  uint64    // the sequence of the last line written
	n     int       // lines written
	seen  int       // lines read, written or skipped
}

// render renders the lines of cs that are not in the log yet (a sequence
// above w.written); a line written before a crash or a failed ack is
// skipped, and one that does not render is dropped and logged.
func (w *Writer) render(cs []chunk) rendered {
	r := rendered{last: w.written}
	var err error
	for _, c := range cs {
		i := uint64(0)
		for rest := c.lines; len(rest) > 0; i++ {
			j := bytes.IndexByte(rest, '\n')
			if j < 0 {
				j = len(rest)
			}
			rec := rest[:j]
			rest = rest[min(j+1, len(rest)):]
			seq := c.key<<chunkBits | i
			r.seen++
			if seq <= w.written {
				continue // in the log already: written before a crash or a failed ack
			}
			if r.buf, err = w.red.render(r.buf, rec, seq); err != nil {
				w.log.Error("accounting: line dropped", "err", err) // not ours to fix: never written by this package
				continue
			}
			if r.first.IsZero() {
				r.first = lineTime(rec)
			}
			r.last, r.n = seq, r.n+1
		}
	}
	return r
}

// writeLines writes rendered lines to the log (fsync'd) and counts them; a
// file that a failed write left closed is reopened by the next pass.
func (w *Writer) writeLines(r rendered) error {
	if len(r.buf) == 0 {
		return nil
	}
	if err := w.file.write(r.buf, r.first, r.last); err != nil {
		if w.file.f == nil {
			w.file = nil
		}
		return err
	}
	w.written = r.last
	w.adopted()
	w.lines.Add(uint64(r.n))
	w.bytes.Add(uint64(len(r.buf)))
	return nil
}

// lineTime reads the time of a stored line (zero if unreadable).
func lineTime(rec []byte) time.Time {
	var h lineHead
	if json.Unmarshal(rec, &h) != nil {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, h.Time)
	return t
}
