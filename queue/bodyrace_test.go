package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// errLog is a logger that keeps its Error records.
type errLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *errLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		l.mu.Lock()
		l.errs = append(l.errs, r.Message)
		l.mu.Unlock()
	}
	return nil
}
func (l *errLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errLog) WithGroup(string) slog.Handler      { return l }

// logged returns the Error messages containing sub.
func (l *errLog) logged(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.errs {
		if strings.Contains(m, sub) {
			out = append(out, m)
		}
	}
	return out
}

// A compaction that moves a body between BodyTo's lookup of its reference
// and its read (the old segment then removed) is not an error: BodyTo
// looks again and reads the body where it went.
func TestBodyToCompactionRace(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	logs := &errLog{}
	s := openStore(t, path, clk, Options{SegmentSize: 400 << 10, Logger: slog.New(logs),
		Compact: CompactOptions{Interval: -1, Below: 0.6, Rate: 1 << 40}})
	var ids []ID
	for i := range 8 {
		ids = append(ids, enqueueBody(t, s, clk, sized(100<<10), fmt.Sprintf("r%d@x.example", i)))
	}
	deliverAll(t, s, func(id ID) bool { return id == ids[0] }) // segment 0 keeps ids[0] only
	old := refOf(t, s, ids[0])
	s.beforeBodyRead = func() {
		s.beforeBodyRead = nil
		if res, err := s.CompactNow(context.Background()); err != nil || res.Moved != 1 {
			t.Errorf("compaction %+v, %v; want the body moved", res, err)
		}
	}
	got, err := s.BodyTo(ids[0], nil)
	if err != nil || !bytes.Equal(got, segBody(ids[0], 100<<10)) {
		t.Fatalf("BodyTo of a live message moved by a compaction: %v", err)
	}
	if r := refOf(t, s, ids[0]); r.Seg == old.Seg {
		t.Fatalf("the body did not move (segment %d)", r.Seg)
	}
	if e := logs.logged("body"); len(e) != 0 {
		t.Fatalf("logged as errors: %v", e)
	}
}

// A body erased between BodyTo's lookup and its read (zeroed in place) is
// not found, and not logged as a damaged spool.
func TestBodyToErasureRace(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	logs := &errLog{}
	s := openStore(t, path, clk, Options{Logger: slog.New(logs)})
	ann := enqueueBody(t, s, clk, sized(60<<10), "ann@x.example")
	bob := enqueueBody(t, s, clk, sized(60<<10), "bob@y.example")
	s.beforeBodyRead = func() {
		s.beforeBodyRead = nil
		ctx := context.Background()
		sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
		if err != nil {
			t.Error(err)
			return
		}
		if e, err := s.EraseSubject(ctx, sub); err != nil || e.Messages != 1 {
			t.Errorf("erase: %+v, %v", e, err)
		}
	}
	if _, err := s.BodyTo(ann, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BodyTo of a body erased during the read: %v, want ErrNotFound", err)
	}
	if got, err := s.Body(bob); err != nil || !bytes.Equal(got, segBody(bob, 60<<10)) {
		t.Fatalf("another body: %v", err)
	}
	if e := logs.logged("body"); len(e) != 0 {
		t.Fatalf("logged as errors: %v", e)
	}
}
