package accounting

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sluice/internal/clock"
	"sluice/tracking/events"
)

// testClock is one settable clock for the events store and the writer.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: clock.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rig is an events store whose InTx is a Writer's Append.
type rig struct {
	t     *testing.T
	dir   string // the log's
	db    string // the events file
	clk   *testClock
	ev    *events.Store
	store Store // what the writer is given (ev, or a wrapper)
	w     *Writer
	msg   uint64
}

// newRig opens the events store in a temporary directory with a Writer
// of opts (Dir, Now and fast retries filled in) and starts it.
func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	base := t.TempDir()
	r := &rig{t: t, dir: filepath.Join(base, "acct"), db: filepath.Join(base, "events.db"), clk: newClock(), msg: 1}
	r.open(opts)
	return r
}

func (r *rig) open(opts Options) {
	r.t.Helper()
	if opts.Dir == "" {
		opts.Dir = r.dir
	}
	if opts.Now == nil {
		opts.Now = r.clk.Now
	}
	if opts.RetryFirst == 0 {
		opts.RetryFirst, opts.RetryMax = time.Millisecond, 5*time.Millisecond
	}
	w, err := New(opts)
	if err != nil {
		r.t.Fatal(err)
	}
	ev, err := events.Open(r.db, events.Options{Now: r.clk.Now, BatchDelay: -1, InTx: w.Append, Retention: -1})
	if err != nil {
		r.t.Fatal(err)
	}
	r.w, r.ev = w, ev
	if r.store == nil {
		r.store = ev
	}
	w.Start(r.store)
	r.t.Cleanup(r.close)
}

// close stops the writer and closes the store (as a process exit would;
// a no-op when already closed).
func (r *rig) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.w.Stop(ctx); err != nil {
		r.t.Error(err)
	}
	if err := r.ev.Close(ctx); err != nil && !errors.Is(err, events.ErrClosed) {
		r.t.Error(err)
	}
}

// restart closes everything and opens it again on the same files.
func (r *rig) restart(opts Options) {
	r.t.Helper()
	r.close()
	if _, ok := r.store.(*events.Store); ok {
		r.store = nil
	}
	r.open(opts)
}

// record commits n events of kind (each to a new message) and returns
// once they are committed.
func (r *rig) record(kind events.Kind, n int) {
	r.t.Helper()
	for range n {
		ev := events.Event{Kind: kind, Tenant: "acme", Message: r.msg, Rcpt: 0, Time: r.clk.Now()}
		if kind == events.KindFailed || kind == events.KindDeferred {
			ev.Code, ev.Enhanced, ev.Reply, ev.MX, ev.Attempt, ev.Class, ev.Reason = 550, "5.1.1", "no such user", "mx.example.net", 2, "hard_invalid_recipient", "user_unknown"
		}
		r.msg++
		if !r.ev.Record(ev) {
			r.t.Fatal("event not recorded")
		}
	}
	if err := r.ev.Flush(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// waitLines waits until the writer has written n lines since it started.
func (r *rig) waitLines(n uint64) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	// Lines only: the backlog gauge may lag a commit whose OnCommit has
	// not run yet (see pass), which is a gauge's business, not a line's.
	for st := r.w.Stats(); st.Lines < n; st = r.w.Stats() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %d lines written: %+v", n, st)
		}
		time.Sleep(time.Millisecond)
	}
	if got := r.w.Stats().Lines; got != n {
		r.t.Fatalf("lines written = %d, want %d", got, n)
	}
}

// waitFor polls cond (every millisecond, 10 s at most).
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// readAll returns every line of the log, rotated files (oldest first,
// gunzipped) then the current file, checking that each is complete JSON.
func readAll(t *testing.T, dir string) []Line {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "accounting-") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	names = append(names, "accounting.jsonl")
	var out []Line
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		var rd io.Reader = f
		if strings.HasSuffix(n, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			rd = zr
		}
		data, err := io.ReadAll(rd)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Fatalf("%s ends with a partial line: %q", n, data[max(0, len(data)-40):])
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			var l Line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s: line %q: %v", n, sc.Text(), err)
			}
			out = append(out, l)
		}
	}
	return out
}

// checkOnce checks that lines are n, in strictly increasing sequence,
// one per message 1..n.
func checkOnce(t *testing.T, lines []Line, n int) {
	t.Helper()
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		if i > 0 && l.Seq <= lines[i-1].Seq {
			t.Fatalf("line %d: seq %d after %d", i, l.Seq, lines[i-1].Seq)
		}
		if want := msgID(uint64(i + 1)); l.MsgID != want {
			t.Fatalf("line %d: msgid %s, want %s (a line lost or doubled)", i, l.MsgID, want)
		}
	}
}

// fullFS is the OS's filesystem whose writes fail, as on a full disk,
// while full is set: half the bytes go in, then ENOSPC.
type fullFS struct {
	OSFS
	full   atomic.Bool
	failed atomic.Int64
}

func (f *fullFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	file, err := f.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &fullFile{File: file, fs: f}, nil
}

type fullFile struct {
	File
	fs *fullFS
}

func (f *fullFile) Write(p []byte) (int, error) {
	if !f.fs.full.Load() {
		return f.File.Write(p)
	}
	f.fs.failed.Add(1)
	n, _ := f.File.Write(p[:len(p)/2])
	return n, &os.PathError{Op: "write", Path: "accounting", Err: syscall.ENOSPC}
}

// flakyStore fails Update (the writer's acknowledgement) while fail is
// set, as a crash between the log's fsync and the ack would leave it.
type flakyStore struct {
	Store
	fail atomic.Bool
}

func (s *flakyStore) Update(fn func(*events.Tx) error) error {
	if s.fail.Load() {
		return errors.New("injected ack failure")
	}
	return s.Store.Update(fn)
}
