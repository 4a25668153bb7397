package delivery

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// With PublicMXOnly, an MX host that resolves to loopback, private,
// link-local or shared addresses is never connected to: mail to a domain
// whose every MX is such a host fails permanently, with the reason, and
// the receiver there sees nothing. An MX host with a public address
// beside a private one is tried on the public one only; a route to
// loopback (the operator's) is still used.
func TestPublicMXOnlyRefusesNonPublicMXHosts(t *testing.T) {
	t.Parallel()
	sink := startRawMX(t, "", "")
	var mu sync.Mutex
	var dialed []string
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.PublicMXOnly = true
		cfg.Port = sink.port()
		for dom, addr := range map[string]string{
			"loop.test": "127.0.0.1", "rfc1918.test": "10.0.0.5", "metadata.test": "169.254.169.254",
			"shared.test": "100.64.0.1", "v6loop.test": "::1", "mapped.test": "::ffff:127.0.0.1",
		} {
			h.dns.AddMX(dom, 10, "mx."+dom)
			if strings.Contains(addr, ":") {
				h.dns.AddAAAA("mx."+dom, addr)
			} else {
				h.dns.AddA("mx."+dom, addr)
			}
		}
		cfg.Routes = []Route{{Domain: "routed.test", Host: sink.ln.Addr().String()}}
		h.dns.AddMX("mixed.test", 10, "mx.mixed.test")
		h.dns.AddA("mx.mixed.test", "127.0.0.1")
		h.dns.AddA("mx.mixed.test", "8.8.8.8")
		cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			if host, _, _ := net.SplitHostPort(addr); host == "8.8.8.8" {
				addr = sink.ln.Addr().String() // the "public" host, played by the sink
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	})
	doms := []string{"loop.test", "rfc1918.test", "metadata.test", "shared.test", "v6loop.test", "mapped.test"}
	for _, d := range doms {
		h.enqueue([]string{"x@" + d}, nil)
	}
	h.enqueue([]string{"ok@routed.test"}, nil)
	h.enqueue([]string{"ok@mixed.test"}, nil)
	h.start()
	for _, d := range doms {
		ev := h.events.wait(t, "x@"+d, 1, "failed")
		if !strings.Contains(ev.Reply, "non-public") {
			t.Errorf("%s: reply %q, want the non-public reason", d, ev.Reply)
		}
	}
	h.events.wait(t, "ok@routed.test", 1, "delivered")
	h.events.wait(t, "ok@mixed.test", 1, "delivered")
	for _, r := range sink.rcptsSeen() {
		if r != "ok@routed.test" && r != "ok@mixed.test" {
			t.Errorf("the receiver on loopback saw RCPT %s through an MX record", r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range dialed {
		if host, _, _ := net.SplitHostPort(a); host != "8.8.8.8" && a != sink.ln.Addr().String() {
			t.Errorf("dialed %s, an MX host's non-public address", a)
		}
	}
}

// A public primary MX that is down and a backup MX on a private address:
// deferred (the primary may come back), not bounced by the backup's
// refusal (review: the last error won).
func TestPrivateBackupMXDoesNotMakeAnOutagePermanent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.PublicMXOnly = true
		h.dns.AddMX("tf.test", 10, "mx1.tf.test")
		h.dns.AddA("mx1.tf.test", "8.8.4.4")
		h.dns.AddMX("tf.test", 20, "mx2.tf.test")
		h.dns.AddA("mx2.tf.test", "10.0.0.5")
		cfg.Dial = func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("connection refused (the primary is down)")
		}
	})
	h.enqueue([]string{"x@tf.test"}, nil)
	h.start()
	if ev := h.events.wait(t, "x@tf.test", 1, "deferred"); strings.Contains(ev.Reply, "non-public") {
		t.Errorf("deferred with the backup's reason %q, want the primary's", ev.Reply)
	}
}

// A route to a private host (the operator's) and a domain whose MX names
// that host: the MX domain's mail fails, and never rides the route's
// parked connection (review: connections were shared by host and port).
func TestMXDomainNeverRidesARoutesConnection(t *testing.T) {
	t.Parallel()
	sink := startRawMX(t, "", "")
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.PublicMXOnly = true
		cfg.Port = sink.port()
		cfg.Routes = []Route{{Domain: "routed.test", Host: net.JoinHostPort("relay.internal", strconv.Itoa(sink.port()))}}
		h.dns.AddA("relay.internal", "127.0.0.1")
		h.dns.AddMX("evil.test", 10, "relay.internal")
	})
	h.enqueue([]string{"ok@routed.test"}, nil)
	h.start()
	h.events.wait(t, "ok@routed.test", 1, "delivered")
	h.enqueue([]string{"x@evil.test"}, nil)
	h.events.wait(t, "x@evil.test", 1, "failed")
	for _, r := range sink.rcptsSeen() {
		if r == "x@evil.test" {
			t.Errorf("the route's private receiver saw RCPT %s through an MX record", r)
		}
	}
}
