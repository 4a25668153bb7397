package guard

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/internal/clock"
)

// The review's finding: 1,000 idle connections from one address locked
// every tenant out. With a per-address cap the 981st… are answered 421 at
// accept, without ever sending a byte, and another address still gets its
// greeting.
func TestFloodFromOneAddressLeavesOthersIn(t *testing.T) {
	t.Parallel()
	var refused counter
	l, _ := serve(t, ListenerConfig{
		MaxConns: 100, MaxPreAuth: 80, MaxConnsPerAddr: 20, MaxPreAuthPerAddr: 20,
		Metrics: ListenerMetrics{Refused: refused.inc},
	}, nil)
	var held []*client
	for i := range 1000 {
		c := dialFrom(t, l, "127.0.0.1")
		if i < 20 {
			held = append(held, c) // idle: never reads, never writes
			continue
		}
		if got := c.line(); got != "421 4.7.0 Too many connections from your address, try again later" {
			t.Fatalf("connection %d from the flooding address: %q, want the per-address 421", i, got)
		}
		c.c.Close()
	}
	if n := refused.get("per_addr"); n != 980 {
		t.Fatalf("refused per_addr = %d, want 980", n)
	}
	// The 20 that got in never sent a byte, yet they are counted.
	waitStats(t, l, Stats{Conns: 20, PreAuth: 20, Addrs: 1})
	other := dialFrom(t, l, "127.0.0.2")
	if got := other.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("client from another address got %q, want its greeting", got)
	}
	if got := other.cmd("EHLO other.test"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("EHLO: %q", got)
	}
	for _, c := range held {
		c.c.Close()
	}
	other.c.Close()
	waitStats(t, l, Stats{})
}

// Pre-auth connections may fill only MaxPreAuth of MaxConns: an
// authenticated tenant's session goes on while strangers are refused, and
// a slot freed by a stranger is usable again (no leak).
func TestPreAuthCapReservesCapacity(t *testing.T) {
	t.Parallel()
	var refused counter
	l, _ := serve(t, ListenerConfig{MaxConns: 4, MaxPreAuth: 2, Metrics: ListenerMetrics{Refused: refused.inc}}, nil)
	tenant := dialFrom(t, l, "127.0.0.1")
	tenant.line()
	tenant.cmd("EHLO tenant.test")
	if got := tenant.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH: %q", got)
	}
	waitStats(t, l, Stats{Conns: 1, PreAuth: 0, Addrs: 1})
	s1, s2 := dialFrom(t, l, "127.0.0.2"), dialFrom(t, l, "127.0.0.3")
	s1.line()
	s2.line()
	third := dialFrom(t, l, "127.0.0.4")
	if got := third.line(); got != "421 4.7.0 Too many connections, try again later" {
		t.Fatalf("third stranger: %q, want the busy 421", got)
	}
	if refused.get("preauth") != 1 {
		t.Fatalf("refused = %v", refused.m)
	}
	if got := tenant.cmd("MAIL FROM:<a@tenant.test>"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("authenticated tenant's MAIL: %q", got)
	}
	s1.c.Close()
	waitStats(t, l, Stats{Conns: 2, PreAuth: 1, Addrs: 2})
	again := dialFrom(t, l, "127.0.0.4")
	if got := again.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("after a stranger left: %q, want a greeting", got)
	}
}

// Strangers holding every pre-auth place do not lock out a tenant that
// authenticated from its address before: its new connections are
// admitted from the authenticated reserve for FamiliarFor; other
// addresses still get the busy 421, and so does the tenant's address once
// FamiliarFor has passed.
func TestFamiliarAddressPassesFullPreAuth(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := clock.Now()
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	l, _ := serve(t, ListenerConfig{MaxConns: 5, MaxPreAuth: 2, FamiliarFor: time.Hour, Now: clk}, nil)
	first := dialFrom(t, l, "127.0.0.1")
	first.line()
	first.cmd("EHLO tenant.test")
	if got := first.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH: %q", got)
	}
	first.c.Close()
	waitStats(t, l, Stats{})
	s1, s2 := dialFrom(t, l, "127.0.0.2"), dialFrom(t, l, "127.0.0.3")
	s1.line()
	s2.line()
	waitStats(t, l, Stats{Conns: 2, PreAuth: 2, Addrs: 2})
	if got := dialFrom(t, l, "127.0.0.4").line(); got != "421 4.7.0 Too many connections, try again later" {
		t.Fatalf("a new stranger: %q, want the busy 421", got)
	}
	again := dialFrom(t, l, "127.0.0.1")
	if got := again.line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("the tenant's address with pre-auth full: %q, want its greeting", got)
	}
	again.cmd("EHLO tenant.test")
	if got := again.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH: %q", got)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if got := dialFrom(t, l, "127.0.0.1").line(); got != "421 4.7.0 Too many connections, try again later" {
		t.Fatalf("the tenant's address after FamiliarFor: %q, want the busy 421", got)
	}
}

// While unauthenticated, a connection's reads time out after
// PreAuthTimeout (the server's ReadTimeout is a minute); once
// authenticated it has the full timeout.
func TestPreAuthTimeoutClamps(t *testing.T) {
	t.Parallel()
	const preAuth = 2 * time.Second
	l, _ := serve(t, ListenerConfig{PreAuthTimeout: preAuth}, nil)
	idle := dialFrom(t, l, "127.0.0.1")
	start := time.Now()
	idle.line() // greeting
	if got := idle.line(); !strings.HasPrefix(got, "421 4.4.2") {
		t.Fatalf("idle stranger: %q, want go-smtp's idle timeout", got)
	}
	// Loose: well before the server's one-minute ReadTimeout.
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("idle stranger cut after %v, want about %v", d, preAuth)
	}
	authed := dialFrom(t, l, "127.0.0.2")
	authed.line()
	authed.cmd("EHLO tenant.test")
	if got := authed.cmd(plain("user", "secret")); !strings.HasPrefix(got, "235 ") {
		t.Fatalf("AUTH: %q", got)
	}
	time.Sleep(preAuth + 500*time.Millisecond) // outlive its pre-auth deadline
	if got := authed.cmd("NOOP"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("authenticated session after %v idle: %q", preAuth, got)
	}
	waitStats(t, l, Stats{Conns: 1, Addrs: 1})
}

// Trusted networks are exempt from the per-address and pre-auth caps.
func TestTrustedNetworksExempt(t *testing.T) {
	t.Parallel()
	l, _ := serve(t, ListenerConfig{
		MaxConnsPerAddr: 1, MaxPreAuth: 1,
		Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")},
	}, nil)
	for i := range 3 {
		if got := dialFrom(t, l, "127.0.0.3").line(); !strings.HasPrefix(got, "220 ") {
			t.Fatalf("trusted connection %d: %q", i, got)
		}
	}
	if got := dialFrom(t, l, "127.0.0.4").line(); !strings.HasPrefix(got, "220 ") {
		t.Fatalf("first stranger: %q", got)
	}
	if got := dialFrom(t, l, "127.0.0.4").line(); !strings.HasPrefix(got, "421 ") {
		t.Fatalf("second stranger: %q, want 421", got)
	}
	waitStats(t, l, Stats{Conns: 4, PreAuth: 1, Addrs: 1})
}

// Many connections opened and closed in every state leave nothing behind.
func TestCapsReleaseOnClose(t *testing.T) {
	t.Parallel()
	l, _ := serve(t, ListenerConfig{MaxConnsPerAddr: 50, MaxPreAuthPerAddr: 50}, nil)
	var cs []*client
	for i := range 60 {
		c := dialFrom(t, l, "127.0.0."+string(rune('1'+i%3)))
		cs = append(cs, c)
		if i%4 == 0 {
			c.line()
			c.cmd("EHLO x")
			c.cmd(plain("user", "secret"))
		}
	}
	waitStats(t, l, Stats{Conns: 60, PreAuth: 45, Addrs: 3})
	for i, c := range cs {
		if i%2 == 0 {
			c.cmd("QUIT") // server side closes
		}
		c.c.Close()
	}
	waitStats(t, l, Stats{})
}

func TestListenerCloseStops(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(inner, ListenerConfig{ProxyFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	// A proxied connection that never sends its header must not hold Close.
	c := dialFrom(t, l, "127.0.0.1")
	_ = c
	waitPending(t, l, 1)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Accept(); err == nil {
		t.Fatal("Accept after Close succeeded")
	}
}

func waitPending(t *testing.T, l *Listener, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		got := len(l.pending)
		l.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending = %d, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Find sees through crypto/tls (go-smtp's Conn.Conn() after STARTTLS).
func TestFindUnderTLS(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	gc := &Conn{Conn: a}
	if got, ok := Find(tls.Server(gc, &tls.Config{})); !ok || got != gc {
		t.Fatalf("Find(tls over guard conn) = %v, %v", got, ok)
	}
	if _, ok := Find(b); ok {
		t.Fatal("Find(plain conn) found a guard conn")
	}
}

func TestGrouping(t *testing.T) {
	t.Parallel()
	g, _ := newGrouper(0)
	g56, _ := newGrouper(56)
	tests := []struct {
		g    grouper
		a, b string
		same bool
	}{
		{g, "192.0.2.1", "192.0.2.1", true},
		{g, "192.0.2.1", "192.0.2.2", false},
		{g, "192.0.2.1", "::ffff:192.0.2.1", true},
		{g, "2001:db8:0:1::1", "2001:db8:0:1:ffff::2", true},
		{g, "2001:db8:0:1::1", "2001:db8:0:2::1", false},
		{g56, "2001:db8:0:1::1", "2001:db8:0:2::1", true},
		{g56, "2001:db8:0:100::1", "2001:db8:0:200::1", false},
	}
	for _, tc := range tests {
		ka, kb := tc.g.key(netip.MustParseAddr(tc.a)), tc.g.key(netip.MustParseAddr(tc.b))
		if (ka == kb) != tc.same {
			t.Errorf("/%d: key(%s)=%v key(%s)=%v, same=%v want %v", tc.g.v6bits, tc.a, ka, tc.b, kb, ka == kb, tc.same)
		}
	}
	if _, err := newGrouper(129); err == nil {
		t.Error("newGrouper(129) succeeded")
	}
}

// Clients without an address (a PROXY header saying LOCAL or UNKNOWN)
// share the zero key: one of them authenticating must not make the others
// familiar (review8 of f2769d3).
func TestFamiliarNeedsAnAddress(t *testing.T) {
	t.Parallel()
	l := &Listener{cfg: ListenerConfig{FamiliarFor: time.Hour, Now: clock.Now}, familiar: map[netip.Prefix]time.Time{}}
	l.remember(netip.Prefix{})
	if l.isFamiliar(netip.Prefix{}) || len(l.familiar) != 0 {
		t.Fatalf("the zero key was remembered: %v", l.familiar)
	}
	k := netip.MustParsePrefix("192.0.2.7/32")
	l.remember(k)
	if !l.isFamiliar(k) {
		t.Fatal("an address that authenticated is not familiar")
	}
}
