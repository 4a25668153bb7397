package tracking_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/tracking"
	"sluice/tracking/events"
)

// openOptions are a standalone edge's options in dir on a free loopback
// port; ran notes that its webhooks ran.
func openOptions(t *testing.T, dir string, ran chan<- struct{}) tracking.StandaloneOptions {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return tracking.StandaloneOptions{Dir: dir, Listen: "127.0.0.1:0", Logger: log,
		Events: events.Options{Logger: log},
		Edge: tracking.Config{Keyring: testKeyring(t, 1, "edge test secret, 32 bytes long!"),
			Suppressor: &suppressor{}, Logger: log},
		Webhooks: func(ev *events.Store) (func(context.Context) error, error) {
			if ev == nil {
				t.Error("webhooks made without the events store")
			}
			return func(ctx context.Context) error { close(ran); <-ctx.Done(); return nil }, nil
		}}
}

// OpenStandalone builds an edge that serves, its webhooks beside it, and
// releases its events store when it stops.
func TestOpenStandaloneServes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "edge-data") // created by OpenStandalone
	ran := make(chan struct{})
	s, err := tracking.OpenStandalone(openOptions(t, dir, ran))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	if code, err := get("http://" + s.Listener.Addr().String() + "/healthz"); err != nil || code != http.StatusOK {
		t.Fatalf("healthz: %d %v", code, err)
	}
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the webhooks did not run")
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	reopen(t, dir)
}

// A start that fails at its listeners closes the events store it opened.
func TestOpenStandaloneFailureCloses(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	o := openOptions(t, dir, make(chan struct{}))
	o.Listen = taken.Addr().String()
	if _, err := tracking.OpenStandalone(o); err == nil || !strings.Contains(err.Error(), "tracking.listen") {
		t.Fatalf("OpenStandalone on a taken address: %v", err)
	}
	reopen(t, dir)
}

// reopen fails t unless the events store in dir is free to open again.
func reopen(t *testing.T, dir string) {
	t.Helper()
	ev, err := events.Open(filepath.Join(dir, "events.db"), events.Options{})
	if err != nil {
		t.Fatalf("events store still held: %v", err)
	}
	ev.Close(context.Background())
}
