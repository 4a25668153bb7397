package mx

import (
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"sluice/mta/mx/dnstest"
)

// fakeClock is an injected clock advanced by tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lockedRand is a seeded, concurrency-safe Config.Rand.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRand(seed uint64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (l *lockedRand) IntN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

// newResolver returns a Resolver asking srvs in order, with one attempt and
// an injected clock unless cfg says otherwise.
func newResolver(t testing.TB, cfg Config, srvs ...*dnstest.Server) *Resolver {
	t.Helper()
	for _, s := range srvs {
		cfg.Servers = append(cfg.Servers, s.Addr())
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 1
	}
	if cfg.Now == nil {
		cfg.Now = newClock().Now
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// deadServer returns a loopback UDP address nobody listens on: queries to it
// fail at once with "connection refused".
func deadServer(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	if err := pc.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func hostNames(hs []Host) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}

// wait receives from ch, failing the test instead of hanging if nothing
// comes: a broken implementation must fail, not block the suite.
func wait[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
