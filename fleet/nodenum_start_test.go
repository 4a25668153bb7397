package fleet

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/fleet/redistest"
)

// lockedBuffer is a log sink safe for the client's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestStartNodeNumber: with Redis up a first start gets a number; with
// Redis gone a first start runs as 0, logged as an error, and a kept
// number is still used; a bad node_number file stops the start.
func TestStartNodeNumber(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	var logs lockedBuffer
	opts := func(dir string) MemberOptions {
		return MemberOptions{URL: srv.URL(), NodeID: filepath.Base(dir), DataDir: dir, LeaseTTL: 15 * time.Second,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	}
	kept := t.TempDir()
	num, err := StartNodeNumber(t.Context(), opts(kept))
	if err != nil || num < 1 {
		t.Fatalf("with Redis up: %d, %v; want a number", num, err)
	}
	srv.Kill()
	if got, err := StartNodeNumber(t.Context(), opts(t.TempDir())); got != 0 || err != nil {
		t.Fatalf("first start with Redis down: %d, %v; want 0, nil", got, err)
	}
	if !strings.Contains(logs.String(), "no node number yet") {
		t.Errorf("the unnumbered start was not logged: %s", logs.String())
	}
	if got, err := StartNodeNumber(t.Context(), opts(kept)); got != num || err != nil {
		t.Errorf("kept number with Redis down: %d, %v; want %d", got, err, num)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, nodeNumberFile), []byte("zero\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := StartNodeNumber(t.Context(), opts(bad)); err == nil {
		t.Error("a bad node_number file: no error")
	}
}
