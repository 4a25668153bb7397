package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/mx"
	"sluice/queue"
)

// gatedStore holds the first two Complete calls until open is closed,
// and counts the calls, the results they carry and those held.
type gatedStore struct {
	Store
	open                 chan struct{}
	calls, results, held atomic.Int64
}

func (g *gatedStore) Complete(ctx context.Context, results []queue.Result) error {
	if g.calls.Add(1) <= maxCompleters {
		g.held.Add(int64(len(results)))
		<-g.open
	}
	g.results.Add(int64(len(results)))
	return g.Store.Complete(ctx, results)
}

// TestCompleterBatchesOutcomes: outcomes settled while the spool writes
// earlier ones go to it together. The first two Completes (one per
// completer) are held until all 150 messages were delivered and their
// outcomes settled (held or waiting for a completer: the sink's count
// alone runs ahead of the last settlements): the outcomes settled
// meanwhile then take at most two more Complete calls, not one each,
// and every recipient is recorded once.
func TestCompleterBatchesOutcomes(t *testing.T) {
	t.Parallel()
	const n = 150
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	gs := &gatedStore{open: make(chan struct{})}
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
		h.wrap = func(s Store) Store { gs.Store = s; return gs }
	})
	h.enqueueMany(n, func(i int) string { return fmt.Sprintf("u%d@example.test", i) })
	h.start()
	release := sync.OnceFunc(func() { close(gs.open) })
	t.Cleanup(release) // before the engine stops: its completers end
	if got := sink.WaitRcpts(n, waitLimit); len(got) != n {
		t.Fatalf("%d of %d messages delivered", len(got), n)
	}
	waitFor(t, "every outcome settled", func() bool { return gs.held.Load()+pendingResults(h.engine) == n })
	release()
	waitFor(t, "every outcome recorded", func() bool { return gs.results.Load() == n })
	waitFor(t, "every event", func() bool { return len(h.events.all()) == n })
	if c := gs.calls.Load(); c > 2*maxCompleters {
		t.Errorf("%d Complete calls for %d outcomes settled while the spool was busy: not batched", c, n)
	}
	_, inflight, _, delivered, _ := h.store.Counts()
	if inflight != 0 || delivered != n {
		t.Errorf("spool: %d in flight, %d delivered; want 0 and %d", inflight, delivered, n)
	}
	t.Logf("%d outcomes in %d Complete calls", gs.results.Load(), gs.calls.Load())
}

// pendingResults counts the results waiting for a completer.
func pendingResults(e *Engine) int64 {
	r := &e.recs
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, s := range r.pending {
		n += int64(len(s.results))
	}
	return n
}

// failingStore refuses any Complete that carries message bad's outcome.
type failingStore struct {
	mu    sync.Mutex
	bad   queue.ID
	calls int
	ok    []queue.ID
}

func (f *failingStore) ClaimWith(context.Context, queue.ClaimOptions) ([]queue.Work, error) {
	return nil, nil
}
func (f *failingStore) Body(queue.ID) ([]byte, error) { return nil, queue.ErrNotFound }
func (f *failingStore) NextDue() (time.Time, bool)    { return time.Time{}, false }
func (f *failingStore) Complete(_ context.Context, results []queue.Result) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	for _, r := range results {
		if r.ID == f.bad {
			return errors.New("damaged record")
		}
	}
	for _, r := range results {
		f.ok = append(f.ok, r.ID)
	}
	return nil
}

type noResolver struct{}

func (noResolver) LookupMX(context.Context, string) ([]mx.Host, error) { return nil, errors.New("no") }
func (noResolver) LookupHost(context.Context, string) ([]netip.Addr, error) {
	return nil, errors.New("no")
}

// TestCompleterFailureKeepsOthers: a batch the spool refuses for one
// job's outcome (a damaged record) is written again job by job, so the
// others are recorded and their events emitted; the refused job's are
// not (its recipients stay in flight in the spool).
func TestCompleterFailureKeepsOthers(t *testing.T) {
	t.Parallel()
	ids := []queue.ID{1, 2, 3}
	fs := &failingStore{bad: ids[1]}
	var mu sync.Mutex
	var emitted []queue.ID
	e, err := New(Config{Store: fs, Resolver: noResolver{}, HeloName: "mta.test", OnEvent: func(ev Event) {
		mu.Lock()
		emitted = append(emitted, ev.ID)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.workCancel()                 // complete's retries of the batch end at once
	e.recs.running = maxCompleters // record queues, starts no completer
	for _, id := range ids {
		j := &job{w: queue.Work{ID: id, Domain: "example.test", Rcpts: []queue.WorkRcpt{{Addr: "a@example.test"}}}}
		e.settle(j, []rcptOutcome{{}}, attempt{})
	}
	e.recs.running = 1
	e.completer() // the last one: ends when nothing is pending
	e.completes.Wait()
	if fs.calls < 2 || len(fs.ok) != 2 || fs.ok[0] != ids[0] || fs.ok[1] != ids[2] {
		t.Fatalf("recorded %v in %d calls, want %v and %v", fs.ok, fs.calls, ids[0], ids[2])
	}
	if len(emitted) != 2 || emitted[0] != ids[0] || emitted[1] != ids[2] {
		t.Errorf("events for %v, want %v and %v only", emitted, ids[0], ids[2])
	}
	if e.released.Load() != 3 || e.recs.running != 0 {
		t.Errorf("%d recipients' budget given back, want 3 (refused or not); %d completers left", e.released.Load(), e.recs.running)
	}
}

// TestPooledBodiesStayIntact: bodies are read into reused buffers (the
// spool's BodyTo); 300 messages of different sizes over a few
// connections must each arrive whole and unmixed.
func TestPooledBodiesStayIntact(t *testing.T) {
	t.Parallel()
	const n = 300
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Routes = []Route{{Domain: "*", Host: sink.Addr()}}
		cfg.MaxConnsPerDest = 4
	})
	want := map[string][]byte{}
	for i := range n {
		rcpt := fmt.Sprintf("u%d@example.test", i)
		body := fmt.Appendf(nil, "From: news@acme.example\r\nTo: %s\r\n\r\n%s\r\n", rcpt, strings.Repeat(fmt.Sprintf("%d.", i), (i*37)%400))
		want[rcpt] = body
		h.enqueue([]string{rcpt}, func(m *queue.Message) { m.Body = body })
	}
	h.start()
	got := sink.WaitRcpts(n, waitLimit)
	if len(got) != n {
		t.Fatalf("%d of %d messages", len(got), n)
	}
	for _, m := range got {
		if w := want[m.To[0]]; !bytes.Equal(m.Data, w) {
			t.Errorf("%s: got %d bytes %.60q…, want %d bytes %.60q…", m.To[0], len(m.Data), m.Data, len(w), w)
		}
	}
}
