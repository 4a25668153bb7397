package metrics

import (
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"sluice/mta/guard"
)

// A listener from Guards.Listen counts what it admits and exports its
// open connections; NewThrottle gives the throttle its hooks.
func TestGuardsListen(t *testing.T) {
	t.Parallel()
	m := New()
	g := m.Guards()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl, err := g.Listen("inbound", inner, guard.ListenerConfig{MaxConns: 4}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer gl.Close()
	c, err := net.DialTimeout("tcp", inner.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := gl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if _, err := g.NewThrottle(guard.ThrottleConfig{}, log); err != nil {
		t.Fatal(err)
	}
	wantLines(t, scrape(t, m),
		`sluice_smtp_connections_accepted_total{listener="inbound"} 1`,
		`sluice_smtp_connections_open{listener="inbound"} 1`)
	if _, err := g.Listen("bad", inner, guard.ListenerConfig{MaxConns: -1}, log); err == nil {
		t.Error("a negative cap was accepted")
	}
}
