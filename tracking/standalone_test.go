package tracking_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sluice/tracking"
	"sluice/tracking/events"
)

// closeOrder records the order in which the standalone edge stops its
// parts.
type closeOrder struct {
	mu    sync.Mutex
	steps []string
}

func (c *closeOrder) add(s string) { c.mu.Lock(); c.steps = append(c.steps, s); c.mu.Unlock() }
func (c *closeOrder) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.steps...)
}

// recordedStore is the real events store, its Close recorded.
type recordedStore struct {
	*events.Store
	order *closeOrder
}

func (s recordedStore) Close(ctx context.Context) error {
	s.order.add("events")
	return s.Store.Close(ctx)
}

// standalone builds a standalone edge over a real events store on
// loopback listeners.
func standalone(t *testing.T, order *closeOrder) (*tracking.Standalone, string, string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ev, err := events.Open(filepath.Join(t.TempDir(), "events.db"), events.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	edge, err := tracking.New(tracking.Config{Keyring: testKeyring(t, 1, "edge test secret, 32 bytes long!"), Events: ev,
		Suppressor: &suppressor{}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	msrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })}
	go msrv.Serve(mln)
	s := &tracking.Standalone{Edge: edge, Listener: ln, Events: recordedStore{ev, order}, Metrics: msrv, Logger: log,
		Webhooks: func(ctx context.Context) error {
			<-ctx.Done()
			order.add("webhooks")
			return nil
		}}
	return s, "http://" + ln.Addr().String(), "http://" + mln.Addr().String()
}

func get(url string) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// The standalone edge serves until its context ends, then stops the
// edge, the webhooks, the events store (after the webhooks) and the
// metrics server; closed under it, its listener stops it the same way.
func TestStandaloneServe(t *testing.T) {
	t.Parallel()
	for _, stop := range []string{"context", "listener"} {
		t.Run(stop, func(t *testing.T) {
			t.Parallel()
			order := &closeOrder{}
			s, base, metrics := standalone(t, order)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			served := make(chan error, 1)
			go func() { served <- s.Serve(ctx) }()
			if code, err := get(base + "/healthz"); err != nil || code != http.StatusOK {
				t.Fatalf("healthz: %d %v", code, err)
			}
			if stop == "context" {
				cancel()
			} else {
				s.Listener.Close()
			}
			select {
			case err := <-served:
				if err != nil {
					t.Fatalf("Serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return")
			}
			if got := order.get(); len(got) != 2 || got[0] != "webhooks" || got[1] != "events" {
				t.Fatalf("stopped %v, want the webhooks then the events store", got)
			}
			if _, err := get(base + "/healthz"); err == nil {
				t.Error("the edge still answers")
			}
			if _, err := get(metrics + "/metrics"); err == nil {
				t.Error("the metrics server still answers")
			}
		})
	}
}
