package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder notes what happened, in order.
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// loop is a Run that notes when it returns, after ctx ends.
func (r *recorder) loop(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		r.add(name + " returned")
		return nil
	}
}

func (r *recorder) stop(name string) func(context.Context) error {
	return func(context.Context) error { r.add(name + " stopped"); return nil }
}

func TestStopsInReverseAfterEachRunReturned(t *testing.T) {
	var r recorder
	var g Group
	shut := make(chan struct{})
	g.Add(
		Part{Name: "store", Stop: r.stop("store")},
		Part{Name: "off", Off: true, Stop: r.stop("off")},
		Part{Name: "loop", Run: r.loop("loop")},
		// A server: its Run returns once its Stop ran (Serve after
		// Shutdown), whatever its context.
		Part{Name: "server", Run: func(context.Context) error {
			<-shut
			r.add("server returned")
			return net.ErrClosed
		}, Stop: func(context.Context) error { r.add("server stopped"); close(shut); return nil }},
	)
	g.Start()
	if err := g.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"server stopped", "server returned", "loop returned", "store stopped"}
	if got := r.get(); !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	select {
	case err := <-g.Failed():
		t.Fatalf("a closed listener reported as a failure: %v", err)
	default:
	}
}

func TestRunFailureReported(t *testing.T) {
	var g Group
	boom := errors.New("boom")
	g.Add(Part{Name: "listener", Run: func(context.Context) error { return boom }})
	g.Start()
	if err := <-g.Failed(); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "listener: ") {
		t.Fatalf("failure %v", err)
	}
	if err := g.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestStopErrorsJoinedAndTimeoutOwn(t *testing.T) {
	var g Group
	e1, e2 := errors.New("one"), errors.New("two")
	var ownDeadline bool
	g.Add(
		Part{Name: "a", Stop: func(context.Context) error { return e1 }},
		// Its own deadline, though the group's context has ended.
		Part{Name: "b", Timeout: time.Minute, Stop: func(ctx context.Context) error {
			_, ownDeadline = ctx.Deadline()
			return ctx.Err()
		}},
		Part{Name: "c", Stop: func(ctx context.Context) error { return ctx.Err() }},
		Part{Name: "d", Stop: func(context.Context) error { return e2 }},
	)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := g.Stop(ctx) // never started: the Stops alone
	if !errors.Is(err, e1) || !errors.Is(err, e2) || !errors.Is(err, context.Canceled) {
		t.Fatalf("joined error %v", err)
	}
	if !ownDeadline || strings.Contains(err.Error(), "b: ") {
		t.Fatalf("b did not get its own live deadline: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "d: two") {
		t.Fatalf("not in reverse order: %v", err)
	}
}

// A part with a Warn has its Stop error logged, not returned; Closer
// closes what it is given.
func TestWarnLoggedNotReturned(t *testing.T) {
	var logs strings.Builder
	g := Group{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.Add(
		Part{Name: "listener", Stop: Closer(ln)},
		Part{Name: "store", Warn: "store left open", Stop: func(context.Context) error { return errors.New("disk gone") }},
	)
	if err := g.Stop(context.Background()); err != nil {
		t.Fatalf("a warned part's error returned: %v", err)
	}
	if got := logs.String(); !strings.Contains(got, `msg="store left open" part=store err="disk gone"`) {
		t.Errorf("log: %q", got)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener not closed: %v", err)
	}
}
