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

// dialWhole opens a connection to the edge at base and sends a whole
// keep-alive request: an admitted connection gets 200 and stays open
// (still counted), a refused one 429. Either way there is an answer, so
// the test waits for it with a generous deadline, never for a duration.
func dialWhole(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: t.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

// status reads the edge's answer on c (30s at most: a refusal or an
// answer is expected) and returns its status, 0 for none.
func status(t *testing.T, c net.Conn) int {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
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
	// The 4th is refused because the three are counted: with the one
	// refusal counted, none of the three was.
	if c := dialHalf(t, te.base); status(t, c) != http.StatusTooManyRequests {
		t.Fatal("the 4th connection from one address was not refused with 429")
	}
	if n := te.edge.Stats().ConnRefused; n != 1 {
		t.Fatalf("ConnRefused = %d, want 1 (a connection within the cap was refused)", n)
	}
	held[0].Close()
	// The closed connection's place comes back once the edge sees the
	// close: until then a whole request gets 429, after it 200.
	for deadline := time.Now().Add(30 * time.Second); ; {
		code := status(t, dialWhole(t, te.base))
		if code == http.StatusOK {
			break
		}
		if code != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after a close: %d; want 200 once its place is given back", code)
		}
	}

	// Behind a trusted proxy every client has its address: 10 open
	// connections, all answered 200 (kept open), none refused.
	proxied := newEdge(t, func(c *tracking.Config) {
		c.MaxConnsPerAddr = 2
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	for i := range 10 {
		if code := status(t, dialWhole(t, proxied.base)); code != http.StatusOK {
			t.Fatalf("connection %d from a trusted proxy: %d, want 200", i+1, code)
		}
	}
	if n := proxied.edge.Stats().ConnRefused; n != 0 {
		t.Fatalf("ConnRefused = %d behind a trusted proxy, want 0", n)
	}
}
