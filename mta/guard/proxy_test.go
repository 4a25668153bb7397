package guard

import (
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"sluice/mta/guard/proxyproto"
)

func proxyHeader(v int, src string) string {
	h := proxyproto.Header{Command: proxyproto.Proxy, Known: true,
		Source: netip.MustParseAddrPort(src), Destination: netip.MustParseAddrPort("198.51.100.1:587")}
	if strings.HasPrefix(src, "[") {
		h.Destination = netip.MustParseAddrPort("[2001:db8::1]:587")
	}
	if v == 1 {
		return string(proxyproto.AppendV1(nil, h))
	}
	return string(proxyproto.AppendV2(nil, h))
}

// From a configured proxy the header names the client: the session sees
// its address and the per-address caps count it, not the proxy.
func TestProxyHeaderSetsClientAddress(t *testing.T) {
	t.Parallel()
	l, b := serve(t, ListenerConfig{
		MaxConnsPerAddr: 1,
		ProxyFrom:       []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}, nil)
	send := func(hdr string) *client {
		c := dialFrom(t, l, "127.0.0.1")
		if _, err := io.WriteString(c.c, hdr); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// v1, with the client's EHLO in the same segment as the header.
	c1 := send(proxyHeader(1, "192.0.2.7:40000") + "EHLO one.test\r\n")
	if got := c1.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("v1 client: %q", got)
	}
	if got := c1.cmd("NOOP"); !strings.HasPrefix(got, "250 ") { // EHLO's reply came first
		t.Fatalf("NOOP: %q", got)
	}
	// v2 for the same client: its cap of 1 is used, although the proxy
	// (127.0.0.1) holds only one connection so far.
	c2 := send(proxyHeader(2, "192.0.2.7:40001"))
	if got := c2.line(); !strings.HasPrefix(got, "421 4.7.0 Too many connections from your address") {
		t.Fatalf("second connection of 192.0.2.7: %q, want the per-address 421", got)
	}
	// Another client through the same proxy, over IPv6 (v2).
	c3 := send(proxyHeader(2, "[2001:db8::7]:40002"))
	if got := c3.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("v2 IPv6 client: %q", got)
	}
	c3.cmd("EHLO three.test")
	seen := b.seen()
	slices.Sort(seen)
	if want := []string{"192.0.2.7:40000", "[2001:db8::7]:40002"}; !slices.Equal(seen, want) {
		t.Fatalf("sessions saw %v, want %v", seen, want)
	}
	waitStats(t, l, Stats{Conns: 2, PreAuth: 2, Addrs: 2})
	c1.c.Close()
	c3.c.Close()
	waitStats(t, l, Stats{})
}

// From anywhere but a configured proxy a PROXY header is just a bad
// command: the session keeps the real address.
func TestProxyHeaderFromStrangerIgnored(t *testing.T) {
	t.Parallel()
	l, b := serve(t, ListenerConfig{ProxyFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, nil)
	c := dialFrom(t, l, "127.0.0.2")
	if got := c.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("greeting: %q", got)
	}
	if got := c.cmd(strings.TrimSuffix(proxyHeader(1, "192.0.2.7:40000"), "\r\n")); !strings.HasPrefix(got, "5") {
		t.Fatalf("PROXY from a stranger: %q, want a 5xx", got)
	}
	c.cmd("EHLO x")
	if seen := b.seen(); len(seen) != 1 || !strings.HasPrefix(seen[0], "127.0.0.2:") {
		t.Fatalf("session saw %v, want the real 127.0.0.2", seen)
	}
}

// A configured proxy that sends no header, or garbage, is closed without a
// greeting and counted; LOCAL (a health check) is an unknown client, not
// the proxy.
func TestProxyHeaderRequiredFromProxy(t *testing.T) {
	t.Parallel()
	var refused counter
	l, b := serve(t, ListenerConfig{
		ProxyFrom:          []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		ProxyHeaderTimeout: 100 * time.Millisecond,
		Metrics:            ListenerMetrics{Refused: refused.inc},
	}, nil)
	silent := dialFrom(t, l, "127.0.0.1")
	if !silent.closed() {
		t.Fatal("a proxy connection without a header stayed open")
	}
	garbage := dialFrom(t, l, "127.0.0.1")
	io.WriteString(garbage.c, "EHLO sneaky.test\r\n")
	if !garbage.closed() {
		t.Fatal("a proxy connection with a non-PROXY line stayed open")
	}
	if n := refused.get("proxy_header"); n != 2 {
		t.Fatalf("refused proxy_header = %d, want 2", n)
	}
	local := dialFrom(t, l, "127.0.0.1")
	local.c.Write(proxyproto.AppendV2(nil, proxyproto.Header{Command: proxyproto.Local}))
	if got := local.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("LOCAL: %q", got)
	}
	local.cmd("EHLO hc.test")
	if seen := b.seen(); len(seen) != 1 || seen[0] != "unknown" {
		t.Fatalf("LOCAL session saw %v, want the unknown client", seen)
	}
}
