package tracking_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"sluice/tracking"
)

// closedEvents notes that Close ran.
type closedEvents struct{ closed *bool }

func (e closedEvents) Close(context.Context) error { *e.closed = true; return nil }

// A standalone edge whose start failed half-way releases what it was
// given: its listeners, its events store and its metrics server, and
// tolerates what it was not given.
func TestStandaloneCloseReleases(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metrics := &http.Server{}
	go metrics.Serve(mln)
	var closed bool
	s := &tracking.Standalone{Listener: ln, Events: closedEvents{&closed}, Metrics: metrics}
	s.Close()
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener still open: %v", err)
	}
	if !closed {
		t.Error("events store not closed")
	}
	if err := metrics.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("metrics server not closed: %v", err)
	}
	(&tracking.Standalone{}).Close() // nothing given: nothing to close
}
