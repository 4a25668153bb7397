package fleet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/mta/delivery"
	"sluice/mta/mtatest"
	"sluice/mta/mx"
	"sluice/mta/mx/dnstest"
	"sluice/mta/shaping"
	"sluice/queue"
)

// The fleet's delivery tests run whole delivery engines (mta/delivery's
// exported API), each with its own spool and shaping Policy, as the nodes
// of a fleet: their Policies share one real redis-server through
// Throttles, and they deliver to loopback go-smtp sinks.

// siteDomains are the recipient domains of the "sink" rule: one site, so
// its connection limit binds across the engines' per-domain pools.
var siteDomains = []string{"d0.test", "d1.test", "d2.test", "d3.test", "d4.test", "d5.test"}

// engineNode is one engine with its spool and policy.
type engineNode struct {
	store  *queue.Store
	engine *delivery.Engine
	policy *shaping.Policy

	mu  sync.Mutex
	trs []shaping.Transition
}

func (n *engineNode) transitions() []shaping.Transition {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]shaping.Transition(nil), n.trs...)
}

// startNode runs an engine delivering every domain to sinkAddr under rule,
// with shared as its fleet state (nil: on its own), until the test ends.
func startNode(t *testing.T, dns *dnstest.Server, sinkAddr string, rule shaping.Rule, shared shaping.Shared) *engineNode {
	t.Helper()
	n := &engineNode{}
	var err error
	n.policy, err = shaping.New([]shaping.Rule{rule}, shaping.Options{Shared: shared, OnTransition: func(tr shaping.Transition) {
		n.mu.Lock()
		n.trs = append(n.trs, tr)
		n.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	resolver, err := mx.New(mx.Config{Servers: []string{dns.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var eng atomic.Pointer[delivery.Engine]
	n.store, err = queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Logger: log, InitialMmapSize: 1 << 20,
		Retry: queue.RetryPolicy{First: 100 * time.Millisecond, Max: 200 * time.Millisecond, MaxAge: time.Hour},
		OnDue: func() {
			if e := eng.Load(); e != nil {
				e.Kick()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.store.Close() })
	n.engine, err = delivery.New(delivery.Config{Store: n.store, Resolver: resolver, HeloName: "node.sluice.test",
		DisableTLS: true, Logger: log, Routes: []delivery.Route{{Domain: "*", Host: sinkAddr}},
		MaxConnsPerDest: 4, MaxMsgsPerConn: 5, ConnectTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second,
		Retry:   queue.RetryPolicy{First: 100 * time.Millisecond, Max: 200 * time.Millisecond, MaxAge: time.Hour},
		Shaping: n.policy})
	if err != nil {
		t.Fatal(err)
	}
	eng.Store(n.engine)
	done := make(chan error, 1)
	go func() { done <- n.engine.Run(context.Background()) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.engine.Stop(ctx)
		if err := <-done; err != nil {
			t.Errorf("engine: %v", err)
		}
	})
	return n
}

// enqueue queues count one-recipient messages spread over siteDomains.
func (n *engineNode) enqueue(t *testing.T, tag string, count int) {
	t.Helper()
	ms := make([]*queue.Message, count)
	for i := range ms {
		rcpt := fmt.Sprintf("%s-%d@%s", tag, i, siteDomains[i%len(siteDomains)])
		ms[i] = &queue.Message{ID: n.store.NewID(), Tenant: "acme", From: "news@acme.example", Rcpts: []string{rcpt},
			Created: clock.Now(), Body: fmt.Appendf(nil, "From: news@acme.example\r\nTo: %s\r\nSubject: x\r\n\r\nbody\r\n", rcpt)}
	}
	if err := n.store.Enqueue(t.Context(), ms...); err != nil {
		t.Fatal(err)
	}
	n.engine.Kick()
}

// slowSink is a sink that holds each message a moment (so sessions
// overlap) and records the peak of concurrent sessions.
func slowSink(t *testing.T) (*mtatest.Sink, *mtatest.Limits) {
	lim := mtatest.NewLimits(0, 0)
	return mtatest.NewSink(t, mtatest.SinkOptions{Limits: lim, Data: func(mtatest.Received) error {
		time.Sleep(3 * time.Millisecond) // a receiver's work per message
		return nil
	}}), lim
}

// throttles returns node id's shared state on srv, with its leases renewed
// until the test ends.
func throttles(t *testing.T, srv *redistest.Server, id string, ttl time.Duration) *Throttles {
	t.Helper()
	// A generous timeout: on a loaded test machine a 300 ms one degrades
	// the client now and then, and a release that times out holds its
	// slot for a whole TTL.
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	l := c.Leases(ttl)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { l.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return c.Throttles(t.Context(), l, c.Rate(), c.Backoff(20*time.Millisecond))
}

// TestFleetConnectionLimitAcrossEngines: three delivery engines sending
// to one site with a limit of N connections each open up to N on their
// own (together well over N); sharing Redis, the sink never sees more
// than N at once from them together, and every message is delivered.
func TestFleetConnectionLimitAcrossEngines(t *testing.T) {
	t.Parallel()
	const limit, perNode = 3, 30
	rule := shaping.Rule{Name: "sink", Domains: siteDomains, MaxConnections: limit}
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "alone", true: "fleet"}[shared], func(t *testing.T) {
			t.Parallel()
			dns := dnstest.NewServer(t)
			var srv *redistest.Server
			if shared {
				srv = redistest.Start(t, redistest.Config{})
			}
			sink, lim := slowSink(t)
			var nodes []*engineNode
			for i := range 3 {
				var sh shaping.Shared
				if shared {
					sh = throttles(t, srv, fmt.Sprintf("n%d", i), 5*time.Second)
				}
				nodes = append(nodes, startNode(t, dns, sink.Addr(), rule, sh))
			}
			for i, n := range nodes {
				n.enqueue(t, fmt.Sprintf("n%d", i), perNode)
			}
			if got := sink.WaitRcpts(3*perNode, time.Minute); len(got) < 3*perNode {
				t.Fatalf("%d of %d messages delivered", len(got), 3*perNode)
			}
			peak := lim.Peak()
			t.Logf("peak concurrent connections: %d (site limit %d per node)", peak, limit)
			if shared && peak > limit {
				t.Fatalf("the fleet opened %d connections at once to a site limited to %d", peak, limit)
			}
			if !shared && peak <= limit {
				t.Fatalf("three engines on their own peaked at %d connections: the test does not load the limit", peak)
			}
		})
	}
}

// TestFleetReclaimsCrashedNodesLeases: a node that took every slot of the
// site and died without releasing (its client gone, no renewal) blocks the
// site only until the lease TTL; then the live engines take the slots and
// deliver everything, within the limit.
func TestFleetReclaimsCrashedNodesLeases(t *testing.T) {
	t.Parallel()
	const limit, ttl = 2, 600 * time.Millisecond
	srv := redistest.Start(t, redistest.Config{})
	dns := dnstest.NewServer(t)
	sink, lim := slowSink(t)

	crashed, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: "crashed"})
	if err != nil {
		t.Fatal(err)
	}
	dead := crashed.Throttles(t.Context(), crashed.Leases(ttl), crashed.Rate(), crashed.Backoff(0))
	for range limit {
		if !dead.AcquireConn("default|sink", limit) {
			t.Fatal("the crashed engineNode could not take its slots")
		}
	}
	crashed.Close() // no release, no renewal: a SIGKILL as Redis sees it
	killed := time.Now()

	rule := shaping.Rule{Name: "sink", Domains: siteDomains, MaxConnections: limit}
	// The live nodes' leases outlive any renewal a loaded machine delays:
	// only the dead node's must expire here.
	a := startNode(t, dns, sink.Addr(), rule, throttles(t, srv, "a", 5*time.Second))
	b := startNode(t, dns, sink.Addr(), rule, throttles(t, srv, "b", 5*time.Second))
	a.enqueue(t, "a", 10)
	b.enqueue(t, "b", 10)
	if got := sink.WaitRcpts(1, 10*time.Second); len(got) == 0 {
		t.Fatal("nothing delivered after the crashed node's leases expired")
	}
	if waited := time.Since(killed); waited < ttl*8/10 {
		t.Fatalf("first delivery %v after the crash, before the lease TTL %v: the dead node's slots were not held", waited, ttl)
	}
	if got := sink.WaitRcpts(20, time.Minute); len(got) < 20 {
		t.Fatalf("%d of 20 delivered", len(got))
	}
	if p := lim.Peak(); p > limit {
		t.Fatalf("peak %d connections, limit %d", p, limit)
	}
}

// TestFleetThrottleAtOneNodeSlowsTheOther: node A's receiver answers "451
// 4.7.650 rate limited"; A's policy backs off and shares it, and node B,
// which sends from the same source to the same site and met no throttle,
// cuts its own limits for that site on its next transaction.
func TestFleetThrottleAtOneNodeSlowsTheOther(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	dns := dnstest.NewServer(t)
	throttling := mtatest.NewSink(t, mtatest.SinkOptions{Rcpt: func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 650}, Message: "The mail server has been temporarily rate limited"}
	}})
	fine := mtatest.NewSink(t, mtatest.SinkOptions{})
	rule := shaping.Rule{Name: "sink", Domains: siteDomains, MaxConnections: 4, Rate: 200, QuietPeriod: time.Hour}
	a := startNode(t, dns, throttling.Addr(), rule, throttles(t, srv, "a", 5*time.Second))
	b := startNode(t, dns, fine.Addr(), rule, throttles(t, srv, "b", 5*time.Second))

	b.enqueue(t, "b-before", 10)
	fine.WaitRcpts(10, 10*time.Second)
	a.enqueue(t, "a", 10)
	waitFor(t, 10*time.Second, "A backs off", func() bool { return len(a.transitions()) > 0 })
	if l := b.policy.Limits(shaping.Key{Source: "default", Site: b.policy.SiteNamed("sink")}); l.State != shaping.Normal {
		t.Fatalf("B backed off before sending: %+v", l)
	}
	b.enqueue(t, "b-after", 5)
	waitFor(t, 10*time.Second, "B backs off", func() bool { return len(b.transitions()) > 0 })
	tr := b.transitions()[0]
	if tr.To != shaping.Backoff || !strings.Contains(tr.Reason, "another node") {
		t.Fatalf("B's transition: %+v", tr)
	}
	if tr.Limits.Rate >= rule.Rate && tr.Limits.MaxConnections >= rule.MaxConnections {
		t.Fatalf("B's limits not cut: %+v", tr.Limits)
	}
}
