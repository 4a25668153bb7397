package reload_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"sluice/internal/reload"
)

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRunKeepsGoingAndLogs(t *testing.T) {
	t.Parallel()
	var logs logBuf
	r := reload.New(slog.New(slog.NewTextHandler(&logs, nil)))
	var order []string
	errBad := errors.New("bad file")
	r.Add("a", func(context.Context) error { order = append(order, "a"); return nil })
	r.Add("b", func(context.Context) error { order = append(order, "b"); return errBad })
	r.Add("c", func(context.Context) error { order = append(order, "c"); return nil })
	err := r.Run(t.Context())
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), "reload b") {
		t.Errorf("Run: %v", err)
	}
	if strings.Join(order, "") != "abc" {
		t.Errorf("ran %v, want a b c", order)
	}
	out := logs.String()
	for _, want := range []string{`msg=reloaded component=a`, `level=ERROR msg="reload failed, previous state kept" component=b err="bad file"`, `msg=reloaded component=c`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestListen(t *testing.T) {
	t.Parallel()
	r := reload.New(slog.New(slog.DiscardHandler))
	ran := make(chan struct{}, 3)
	r.Add("x", func(context.Context) error { ran <- struct{}{}; return errors.New("fails every time") })
	sigs := make(chan os.Signal)
	done := make(chan struct{})
	go func() { defer close(done); r.Listen(t.Context(), sigs) }()
	for range 3 {
		sigs <- syscall.SIGHUP
		<-ran
	}
	close(sigs)
	<-done // returns when the channel closes, failures or not
}
