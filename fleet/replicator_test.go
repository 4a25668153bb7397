package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
)

// node is one fleet node of a test: its own spool, client and replicator.
type node struct {
	id    string
	store *queue.Store
	c     *Client
	r     *Replicator
	stop  func()
}

// newNode opens a node over dir (reopened by a later call with the same
// dir: a node that restarts) without running its replicator.
func newNode(t *testing.T, srv *redistest.Server, id, dir string, now func() time.Time) *node {
	t.Helper()
	st, err := queue.Open(filepath.Join(dir, "spool.db"), queue.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Now: now, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n := &node{id: id, store: st, c: c,
		r: c.Replicator(st, ReplicatorOptions{Block: 100 * time.Millisecond, RetryDelay: 20 * time.Millisecond})}
	n.stop = func() {}
	t.Cleanup(func() { n.stop(); c.Close(); st.Close() })
	return n
}

// run starts the node's replicator until stop (or the test's end).
func (n *node) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.r.Run(ctx) }()
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node %s: Run: %v", n.id, err)
			}
		})
	}
}

// suppress stores sups locally and publishes them, as a caller does.
func (n *node) suppress(t *testing.T, sups ...queue.Suppression) {
	t.Helper()
	if err := n.store.SuppressMany(t.Context(), sups); err != nil {
		t.Fatal(err)
	}
	if err := n.r.Publish(t.Context(), sups); err != nil {
		t.Fatal(err)
	}
}

func supp(tenant, addr string, scope queue.Scope) queue.Suppression {
	return queue.Suppression{Tenant: tenant, Addr: addr, Scope: scope, Reason: "unsubscribe", Source: "edge"}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func has(n *node, tenant, addr string, scope queue.Scope) bool {
	s, ok := n.store.Suppressed(tenant, addr)
	return ok && s.Scope == scope
}

func TestPublishReachesOtherNodeWithinASecond(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	// Both have reconciled (epoch known) before the measured publish.
	waitFor(t, 5*time.Second, "replicators ready", func() bool {
		return *a.r.epoch.Load() != "" && *b.r.epoch.Load() != ""
	})
	a.suppress(t, supp("acme", "Ann@X.example", queue.ScopeMarketing))
	took := waitFor(t, time.Second, "b has a's unsubscribe", func() bool {
		return has(b, "acme", "ann@x.example", queue.ScopeMarketing)
	})
	t.Logf("replicated in %v", took)
	// Widening replicates; narrowing does not.
	a.suppress(t, supp("acme", "ann@x.example", queue.ScopeAll))
	waitFor(t, time.Second, "b widened", func() bool { return has(b, "acme", "ann@x.example", queue.ScopeAll) })
	b.suppress(t, supp("acme", "ann@x.example", queue.ScopeMarketing))
	if v, err := srv.Do(t.Context(), "HGET", "sluice:supp:all", "acme\x00ann@x.example"); err != nil || v[0] != '1' {
		t.Fatalf("hash value %q, %v: want scope all kept", v, err)
	}
	if s := a.r.Stats(); s.OutboxDepth != 0 {
		t.Fatalf("a's outbox holds %d after pushes", s.OutboxDepth)
	}
}

func TestNodeDownCatchesUpFromItsCursor(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newNode(t, srv, "a", t.TempDir(), clock.Now)
	a.run(t)
	bdir := t.TempDir()
	b := newNode(t, srv, "b", bdir, clock.Now)
	b.run(t)
	// Both reconciled with the same epoch first: two nodes meeting an
	// empty Redis at once may both seed it, and the one whose epoch lost
	// rightly resyncs in full at its next start, which is not what this
	// test measures.
	waitFor(t, 5*time.Second, "replicators agree on the epoch", func() bool {
		ea, eb := *a.r.epoch.Load(), *b.r.epoch.Load()
		return ea != "" && ea == eb
	})
	a.suppress(t, supp("acme", "first@x.example", queue.ScopeAll))
	waitFor(t, 2*time.Second, "b has the first", func() bool { return has(b, "acme", "first@x.example", queue.ScopeAll) })
	b.stop()
	b.c.Close()
	b.store.Close()

	for i := range 20 {
		a.suppress(t, supp("acme", fmt.Sprintf("down%d@x.example", i), queue.ScopeAll))
	}
	b = newNode(t, srv, "b", bdir, clock.Now)
	b.run(t)
	waitFor(t, 2*time.Second, "b caught up", func() bool { return has(b, "acme", "down19@x.example", queue.ScopeAll) })
	for i := range 20 {
		if !has(b, "acme", fmt.Sprintf("down%d@x.example", i), queue.ScopeAll) {
			t.Fatalf("b misses down%d", i)
		}
	}
	if s := b.r.Stats(); s.Resyncs != 0 {
		t.Fatalf("b resynced %d times: want a catch-up from its cursor", s.Resyncs)
	}
}

func TestTrimmedCursorResyncsFully(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newNode(t, srv, "a", t.TempDir(), clock.Now)
	a.run(t)
	bdir := t.TempDir()
	b := newNode(t, srv, "b", bdir, clock.Now)
	b.run(t)
	waitFor(t, 5*time.Second, "b ready", func() bool { return *b.r.epoch.Load() != "" })
	b.stop()
	b.c.Close()
	b.store.Close()
	for i := range 30 {
		a.suppress(t, supp("acme", fmt.Sprintf("t%d@x.example", i), queue.ScopeAll))
	}
	a.r.Lift(t.Context(), "acme", "t0@x.example")
	if _, err := a.store.Unsuppress(t.Context(), "acme", "t0@x.example"); err != nil {
		t.Fatal(err)
	}
	// Trim the log below b's cursor (exactly, not ~): b cannot catch up.
	if _, err := srv.Do(t.Context(), "XTRIM", "sluice:supp:log", "MAXLEN", "0"); err != nil {
		t.Fatal(err)
	}
	b = newNode(t, srv, "b", bdir, clock.Now)
	b.run(t)
	waitFor(t, 3*time.Second, "b resynced", func() bool { return b.r.Stats().Resyncs > 0 })
	for i := 1; i < 30; i++ {
		if !has(b, "acme", fmt.Sprintf("t%d@x.example", i), queue.ScopeAll) {
			t.Fatalf("b misses t%d", i)
		}
	}
	if _, ok := b.store.Suppressed("acme", "t0@x.example"); ok {
		t.Fatal("b holds t0, lifted before the resync")
	}
}

func TestLiftReplicates(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	b.suppress(t, supp("acme", "lift@x.example", queue.ScopeAll))
	waitFor(t, 2*time.Second, "a has it", func() bool { return has(a, "acme", "lift@x.example", queue.ScopeAll) })
	if _, err := a.store.Unsuppress(t.Context(), "acme", "lift@x.example"); err != nil {
		t.Fatal(err)
	}
	if err := a.r.Lift(t.Context(), "acme", "lift@x.example"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b lifted", func() bool {
		_, ok := b.store.Suppressed("acme", "lift@x.example")
		return !ok
	})
	if v, err := srv.Do(t.Context(), "HEXISTS", "sluice:supp:all", "acme\x00lift@x.example"); err != nil || v != "0" {
		t.Fatalf("hash still holds the lifted suppression: %q %v", v, err)
	}
}

func TestRedisRestartedEmptyIsReseeded(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	nodes := []*node{
		newNode(t, srv, "a", t.TempDir(), clock.Now),
		newNode(t, srv, "b", t.TempDir(), clock.Now),
		newNode(t, srv, "c", t.TempDir(), clock.Now),
	}
	for _, n := range nodes {
		n.run(t)
	}
	a, b := nodes[0], nodes[1]
	b.suppress(t, supp("acme", "before@x.example", queue.ScopeAll))
	waitFor(t, 2*time.Second, "before replicated", func() bool {
		return has(a, "acme", "before@x.example", queue.ScopeAll) && has(nodes[2], "acme", "before@x.example", queue.ScopeAll)
	})

	srv.Kill()
	for i := range 5 {
		a.suppress(t, supp("acme", "outage"+strconv.Itoa(i)+"@x.example", queue.ScopeMarketing))
	}
	if d := a.r.Stats().OutboxDepth; d != 5 {
		t.Fatalf("a's outbox holds %d while redis is down, want 5", d)
	}
	srv.RestartEmpty()

	want := []string{"before@x.example", "outage0@x.example", "outage4@x.example"}
	waitFor(t, 5*time.Second, "every node has every suppression", func() bool {
		for _, n := range nodes {
			for _, w := range want {
				if _, ok := n.store.Suppressed("acme", w); !ok {
					return false
				}
			}
		}
		return true
	})
	waitFor(t, 2*time.Second, "a's outbox drained", func() bool { return a.r.Stats().OutboxDepth == 0 })
	if v, err := srv.Do(t.Context(), "HLEN", "sluice:supp:all"); err != nil || v != "6" {
		t.Fatalf("HLEN after re-seed = %q, %v; want 6", v, err)
	}
	if !a.c.Healthy() {
		t.Fatal("a not healthy after recovery")
	}
}

func TestLocalLookupsIssueNoRedisCommands(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	a.suppress(t, supp("acme", "no@x.example", queue.ScopeAll))
	waitFor(t, 2*time.Second, "b has it", func() bool { return has(b, "acme", "no@x.example", queue.ScopeAll) })
	// Stop the background loops: only the lookups may run now.
	a.stop()
	b.stop()
	before, err := srv.Commands(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, ok := b.store.Suppressed("acme", "no@x.example"); !ok {
			t.Fatal("lookup missed")
		}
	}
	after, err := srv.Commands(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("100 local lookups issued %d redis commands, want 0", after-before)
	}
}
