package delivery

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/mta/mtatest"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
)

// The share tests run the engine against one receiving MX that many
// domains resolve to (mx1.example.test in the harness's DNS), the shape
// of a hosting provider: connections must carry every domain of the site
// (share.go) within the site's limits.

// sharedDomains adds n domains d0.test… behind mx1.example.test to h's
// DNS and returns them.
func sharedDomains(h *harness, n int) []string {
	ds := make([]string, n)
	for i := range ds {
		ds[i] = fmt.Sprintf("d%d.test", i)
		h.dns.AddMX(ds[i], 10, "mx1.example.test")
	}
	return ds
}

// connGauge counts the engine's open connections (Config.ConnOpened and
// ConnClosed) and their peak. A connection counts from its handshake to
// its close, both within its slot (the slot is taken before the dial and
// given back after the close), so the peak is what the site limit
// bounds. The sink's own count lags: its session ends after it wrote
// 221 to QUIT, and on a loaded machine the engine's next connection can
// be accepted before that.
type connGauge struct {
	mu         sync.Mutex
	open, peak int
}

func (g *connGauge) wire(cfg *Config) { cfg.ConnOpened, cfg.ConnClosed = g.opened, g.closed }

func (g *connGauge) opened() {
	g.mu.Lock()
	g.open++
	g.peak = max(g.peak, g.open)
	g.mu.Unlock()
}

func (g *connGauge) closed() {
	g.mu.Lock()
	g.open--
	g.mu.Unlock()
}

// Peak is the most connections that were open at once.
func (g *connGauge) Peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// TestSiteSharesConnectionsAcrossDomains: 200 domains with one MX host,
// two messages each, a site limit of 4 connections. Without sharing each
// domain opens its own session (~200); with it a handful carry them all,
// never more than 4 at once, every message delivered once.
func TestSiteSharesConnectionsAcrossDomains(t *testing.T) {
	t.Parallel()
	const perDomain, maxConns = 2, 4
	lim := &connGauge{}
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	var domains []string
	h := newHarness(t, func(h *harness, cfg *Config) {
		lim.wire(cfg)
		cfg.Port = sink.Port()
		domains = sharedDomains(h, 200)
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: maxConns}})
	})
	want := map[string]bool{}
	for _, d := range domains {
		for i := range perDomain {
			rcpt := fmt.Sprintf("u%d@%s", i, d)
			want[rcpt] = true
			h.enqueue([]string{rcpt}, nil)
		}
	}
	h.start()
	got := sink.WaitRcpts(len(want), 4*waitLimit)
	seen := map[string]int{}
	for _, m := range got {
		for _, to := range m.To {
			seen[to]++
		}
	}
	for rcpt := range want {
		if seen[rcpt] != 1 {
			t.Errorf("%s received %d times, want once", rcpt, seen[rcpt])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("sink saw %d recipients, want %d", len(seen), len(want))
	}
	if n := sink.Connections(); n > 5*maxConns {
		t.Errorf("%d sessions for %d domains of one MX host, want at most %d: connections are not shared", n, len(domains), 5*maxConns)
	}
	if p := lim.Peak(); p > maxConns {
		t.Errorf("peak of %d sessions open at once, site limit %d", p, maxConns)
	}
	t.Logf("%d messages over %d sessions, peak %d", len(got), sink.Connections(), lim.Peak())
}

// TestSharedConnectionKeepsMessagesPerConnection: the site's
// max_messages_per_connection counts every transaction of a connection,
// whichever domain it was for.
func TestSharedConnectionKeepsMessagesPerConnection(t *testing.T) {
	t.Parallel()
	const perConn = 5
	m := startRawMXWith(t, rawOptions{})
	var domains []string
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = m.port()
		domains = sharedDomains(h, 30)
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 2, MaxMessagesPerConn: perConn}})
	})
	for _, d := range domains {
		h.enqueue([]string{"a@" + d}, nil)
		h.enqueue([]string{"b@" + d}, nil)
	}
	h.start()
	waitFor(t, "60 messages", func() bool { return m.counts().msgs == 60 })
	c := m.counts()
	for i := 1; i <= c.conns; i++ {
		if n := m.messagesOn(i); n > perConn {
			t.Errorf("connection %d carried %d messages, limit %d", i, n, perConn)
		}
	}
	if c.conns >= len(domains) {
		t.Errorf("%d connections for %d domains: not shared", c.conns, len(domains))
	}
}

// TestSharedConnectionNeedsDomainTLSPolicy: opp.test (opportunistic) and
// example.test (MTA-STS enforce, its MX listed) share mx1.example.test,
// whose certificate is self-signed. opp.test's connection must not carry
// example.test's mail: its session satisfies no verification. So
// example.test gets its own connection (the site's one slot: the parked
// connection gives it back), which its policy refuses: deferred, nothing
// sent. opp.test's later mail takes the parked connection again.
func TestSharedConnectionNeedsDomainTLSPolicy(t *testing.T) {
	t.Parallel()
	sink := mtatest.NewSink(t, mtatest.SinkOptions{TLS: true})
	env := newTLSEnv(t, newTestClock().Now())
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port, cfg.DisableTLS = sink.Port(), false
		h.dns.AddMX("opp.test", 10, "mx1.example.test")
		cfg.TLSPolicy, cfg.TLSStats = env.resolver(t, h, env.publishSTS(t, h, "enforce", "mx1.example.test")), env.stats
		cfg.IdleTimeout = 30 * time.Second
		cfg.slotFallback = time.Hour // signals only: no asking again on a timer
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 1}})
	})
	h.start()
	h.enqueue([]string{"a@opp.test"}, nil)
	h.engine.Kick()
	if ev := h.events.wait(t, "a@opp.test", 1, "delivered"); !ev.TLS || ev.TLSVerified {
		t.Fatalf("opp.test: tls %v verified %v, want unverified TLS", ev.TLS, ev.TLSVerified)
	}
	h.enqueue([]string{"b@example.test"}, nil)
	h.engine.Kick()
	ev := h.events.wait(t, "b@example.test", 1, "deferred")
	if ev.TLSPolicy != "mta-sts enforce" {
		t.Errorf("example.test deferred under %q, want mta-sts enforce", ev.TLSPolicy)
	}
	if n, _ := sink.Count(); n != 1 {
		t.Errorf("sink received %d messages, want only opp.test's", n)
	}
	if got := h.dials.Load(); got != 2 {
		t.Errorf("%d connections, want 2: example.test dials its own", got)
	}
	h.enqueue([]string{"c@opp.test"}, nil)
	h.engine.Kick()
	h.events.wait(t, "c@opp.test", 1, "delivered")
	if got := h.dials.Load(); got > 3 {
		t.Errorf("%d connections", got)
	}
}

// TestSharedConnectionCarriesVerifiedDomain: mx1.example.test has a
// certificate the (test) CA issued for its name. opp.test's connection
// satisfies example.test's MTA-STS enforce policy too (the host is
// listed, the session's chain verifies for it), so example.test's mail
// goes over it: verified, under its own policy, counted once as a
// successful MTA-STS session.
func TestSharedConnectionCarriesVerifiedDomain(t *testing.T) {
	t.Parallel()
	env := newTLSEnv(t, newTestClock().Now())
	sink := tlsSink(t, env.issue(t, newTestClock().Now(), "mx1.example.test"))
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port, cfg.DisableTLS = sink.Port(), false
		h.dns.AddMX("opp.test", 10, "mx1.example.test")
		cfg.TLSPolicy, cfg.TLSStats = env.resolver(t, h, env.publishSTS(t, h, "enforce", "mx1.example.test")), env.stats
		cfg.IdleTimeout = 30 * time.Second
	})
	h.start()
	h.enqueue([]string{"a@opp.test"}, nil)
	h.engine.Kick()
	if ev := h.events.wait(t, "a@opp.test", 1, "delivered"); ev.TLSPolicy != "opportunistic" || ev.TLSVerified {
		t.Fatalf("opp.test: policy %q verified %v", ev.TLSPolicy, ev.TLSVerified)
	}
	h.enqueue([]string{"b@example.test"}, nil)
	h.engine.Kick()
	ev := h.events.wait(t, "b@example.test", 1, "delivered")
	if !ev.TLSVerified || ev.TLSPolicy != "mta-sts enforce" || ev.TLSResult != "success" {
		t.Errorf("example.test: verified %v policy %q result %q, want verified under mta-sts enforce",
			ev.TLSVerified, ev.TLSPolicy, ev.TLSResult)
	}
	if got := h.dials.Load(); got != 1 {
		t.Errorf("%d connections, want 1 shared", got)
	}
	if n := counted(env.stats, tlspolicy.ModeMTASTS, tlspolicy.ResultSuccess); n != 1 {
		t.Errorf("mta-sts successes counted %d, want 1", n)
	}
}

// TestSlowDomainDoesNotHoldSharedConnection: one connection for the
// site; slow.test has a backlog of 30 messages on it when twenty other
// domains of the site arrive. They must not wait for slow.test's
// backlog: the connection moves on after its quantum.
//
// Ordered by events, not by wall time: slow.test's second recipient is
// held at the receiver until all twenty wait on the site's want list,
// and its last one until all twenty were delivered. A connection that
// stays with slow.test never gets there (the command timeout is longer
// than the test's wait), so the test fails instead of passing late. The
// quantum is a nanosecond: every transaction has used it up.
func TestSlowDomainDoesNotHoldSharedConnection(t *testing.T) {
	t.Parallel()
	const slow, others = 30, 20
	othersWait, othersDone := make(chan struct{}), make(chan struct{})
	var releaseWait, releaseDone sync.Once
	var slowRcpts, slowDone, othersDelivered, slowFirst atomic.Int32
	isSlow := func(to string) bool { return strings.HasSuffix(to, "@slow.test") }
	sink := mtatest.NewSink(t, mtatest.SinkOptions{
		Rcpt: func(to string) error {
			if !isSlow(to) {
				return nil
			}
			switch n := slowRcpts.Add(1); {
			case n == slow:
				<-othersDone
			case n >= 2:
				<-othersWait
			}
			return nil
		},
		Data: func(r mtatest.Received) error {
			if len(r.To) != 1 {
				return nil
			}
			if isSlow(r.To[0]) {
				slowDone.Add(1)
			} else if othersDelivered.Add(1) == others {
				slowFirst.Store(slowDone.Load()) // the receiver's order
			}
			return nil
		},
	})
	t.Cleanup(func() { // before the sink closes: no session stays held
		releaseWait.Do(func() { close(othersWait) })
		releaseDone.Do(func() { close(othersDone) })
	})
	var domains []string
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = sink.Port()
		domains = sharedDomains(h, others)
		h.dns.AddMX("slow.test", 10, "mx1.example.test")
		cfg.CommandTimeout = time.Minute // a held recipient never times out within the test
		cfg.shareQuantum = time.Nanosecond
		cfg.slotFallback = time.Hour // signals only: no asking again on a timer
		cfg.Shaping = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 1}})
	})
	for i := range slow {
		h.enqueue([]string{fmt.Sprintf("s%d@slow.test", i)}, nil)
	}
	h.start()
	// Whichever of slow.test's messages goes first (a worker refused the
	// one slot requeues its job behind the others): the receiver lets
	// only that one through before the others wait.
	waitFor(t, "slow.test's first message delivered", func() bool { return slowDone.Load() >= 1 })
	for _, d := range domains {
		h.enqueue([]string{"x@" + d}, nil)
	}
	h.engine.Kick()
	waitFor(t, "the other domains on the site's want list", func() bool {
		return wanting(h.engine, "slow.test") == others
	})
	releaseWait.Do(func() { close(othersWait) })
	for _, d := range domains {
		h.events.wait(t, "x@"+d, 1, "delivered")
	}
	n := slowFirst.Load()
	releaseDone.Do(func() { close(othersDone) })
	if n >= slow {
		t.Errorf("the other domains waited for slow.test's whole backlog (%d of %d delivered first)", n, slow)
	}
	for i := range slow {
		h.events.wait(t, fmt.Sprintf("s%d@slow.test", i), 1, "delivered")
	}
	t.Logf("slow.test delivered %d of %d before the last of the other domains", n, slow)
}

// wanting counts the destinations, other than domain not, on e's share
// groups' want lists.
func wanting(e *Engine, not string) int {
	s := &e.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.groups {
		for _, w := range g.want {
			if w.d.domain != not {
				n++
			}
		}
	}
	return n
}

// TestThrottleOnSharedConnectionSlowsTheSite: d0.test's two messages
// open the site's one connection; d1.test's message rides it next and
// the receiver answers its MAIL with a rate limit. The throttle counts
// at the site, the one shaping key of both domains (no state of its own
// for d1.test), as it would on a connection of d1.test's own: the site
// backs off and d1.test's recipient waits at least its backoff.
func TestThrottleOnSharedConnectionSlowsTheSite(t *testing.T) {
	t.Parallel()
	m := startRawMXWith(t, rawOptions{mail: func(conn, n int) string {
		if conn == 1 && n == 3 {
			return "451 4.7.1 Rate limited, slow down"
		}
		return ""
	}})
	var pol *shaping.Policy
	h := newHarness(t, func(h *harness, cfg *Config) {
		cfg.Port = m.port()
		sharedDomains(h, 2)
		cfg.slotFallback = time.Hour // signals only: no asking again on a timer
		cfg.IdleTimeout = time.Hour  // d0.test's connection waits parked for d1.test's mail
		pol = newPolicy(t, h, []shaping.Rule{{Name: shaping.DefaultRuleName, MaxConnections: 1}})
		cfg.Shaping = pol
	})
	h.enqueue([]string{"a@d0.test"}, nil)
	h.enqueue([]string{"b@d0.test"}, nil)
	h.start()
	h.events.wait(t, "b@d0.test", 1, "delivered")
	h.enqueue([]string{"c@d1.test"}, nil)
	h.engine.Kick()
	ev := h.events.wait(t, "c@d1.test", 1, "deferred")
	if c := m.counts(); c.conns != 1 {
		t.Fatalf("%d connections, want d1.test's mail on d0.test's", c.conns)
	}
	st := pol.Status()
	if len(st) != 1 || st[0].Key.Site.Name() != "mx1.example.test" {
		t.Fatalf("shaping keys %+v, want the one site mx1.example.test", st)
	}
	if st[0].Counts.Throttled != 1 || st[0].Limits.State != shaping.Backoff {
		t.Errorf("site throttled %d, state %v: want 1 and backoff", st[0].Counts.Throttled, st[0].Limits.State)
	}
	if earliest := h.clk.Now().Add(st[0].Limits.RetryAfter); ev.Retry.Before(earliest) {
		t.Errorf("d1.test retries at %v, before the site's backoff allows (%v)", ev.Retry, earliest)
	}
}
