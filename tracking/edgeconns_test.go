package tracking_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sluice/tracking"
)

// dialHalf opens a connection to the edge at base and sends half a
// request (a slowloris), returning the connection.
func dialHalf(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: t.test\r\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

// refused reports whether c was answered 429 and closed.
func refused(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false // no answer: still waiting for the rest of its request
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusTooManyRequests
}

// TestEdgeConnsPerAddr: one address holds at most MaxConnsPerAddr
// connections (half-sent requests were all accepted: 3,000 from one
// host); the one over it gets 429 at accept and is counted; a closed one
// gives its place back; a trusted proxy, behind which every client has
// its address, is not capped.
func TestEdgeConnsPerAddr(t *testing.T) {
	t.Parallel()
	te := newEdge(t, func(c *tracking.Config) { c.MaxConnsPerAddr = 3 })
	var held []net.Conn
	for range 3 {
		held = append(held, dialHalf(t, te.base))
	}
	for _, c := range held {
		if refused(t, c) {
			t.Fatal("a connection within the cap was refused")
		}
	}
	if c := dialHalf(t, te.base); !refused(t, c) {
		t.Fatal("the 4th connection from one address was not refused with 429")
	}
	if n := te.edge.Stats().ConnRefused; n != 1 {
		t.Fatalf("ConnRefused = %d, want 1", n)
	}
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dialHalf(t, te.base)
		if !refused(t, c) {
			break // the closed connection's place was given back
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed connection's place was never given back")
		}
	}
	// A whole request still works within the cap once the others end.
	for _, c := range held[1:] {
		c.Close()
	}

	proxied := newEdge(t, func(c *tracking.Config) {
		c.MaxConnsPerAddr = 2
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	for i := range 10 {
		if c := dialHalf(t, proxied.base); refused(t, c) {
			t.Fatalf("connection %d from a trusted proxy refused", i+1)
		}
	}
}
