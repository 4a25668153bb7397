package fleet

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
)

// holdNode is a fleet node of a hold test: a spool in fleet mode and its
// hold replicator.
type holdNode struct {
	*node
	h    *HoldReplicator
	stop func()
}

func newHoldNode(t *testing.T, srv *redistest.Server, id, dir string, now func() time.Time) *holdNode {
	t.Helper()
	n := newNode(t, srv, id, dir, now)
	if err := n.store.SetFleetOutbox(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	hn := &holdNode{node: n, h: n.c.HoldReplicator(n.store, ReplicatorOptions{Block: 100 * time.Millisecond,
		RetryDelay: 20 * time.Millisecond, Poll: 20 * time.Millisecond}), stop: func() {}}
	t.Cleanup(func() { hn.stop() })
	return hn
}

func (n *holdNode) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.h.Run(ctx) }()
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("node %s: hold replicator: %v", n.id, err)
			}
		})
	}
}

// down stops the node: its replicator, client and spool.
func (n *holdNode) down() {
	n.stop()
	n.c.Close()
	n.store.Close()
}

func (n *holdNode) ready(t *testing.T) {
	t.Helper()
	waitFor(t, 5*time.Second, n.id+" reconciled", func() bool { return *n.h.epoch.Load() != "" })
}

func (n *holdNode) hasHold(kind, name string) bool {
	return slices.ContainsFunc(n.store.Holds(), func(h queue.Hold) bool { return h.Kind == kind && h.Name == name })
}

// put enqueues one message of tenant's stream st to rcpt.
func (n *holdNode) put(t *testing.T, tenant string, st queue.Stream, rcpt string) queue.ID {
	t.Helper()
	m := &queue.Message{ID: n.store.NewID(), Tenant: tenant, From: "x@" + tenant + ".example", Rcpts: []string{rcpt},
		Stream: st, Created: clock.Now(), Body: []byte("Subject: hi\r\n\r\nbody\r\n")}
	if err := n.store.Enqueue(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// claimed claims everything due and returns the messages' ids, sorted.
func (n *holdNode) claimed(t *testing.T) []queue.ID {
	t.Helper()
	ws, err := n.store.Claim(t.Context(), 1000, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []queue.ID
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// TestHoldSuspendAtAHoldsAtB: a tenant suspended at A (as `ctl queue
// suspend --tenant` does) is held at B within a second: B's claim skips
// acme's mail and takes globex's; the reason, author and end travel with
// it. Resumed at B, A releases what it had set aside within a second.
func TestHoldSuspendAtAHoldsAtB(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newHoldNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newHoldNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	a.ready(t)
	b.ready(t)
	ctx := t.Context()
	atA := a.put(t, "acme", queue.Marketing, "r@y.example")
	acme := b.put(t, "acme", queue.Transactional, "r@y.example")
	globex := b.put(t, "globex", queue.Marketing, "r@y.example")

	until := clock.Now().Add(2 * time.Hour)
	if err := a.store.SuspendUntil(ctx, "tenant", "acme", "alice", "abuse report", until); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, time.Second, "b holds acme", func() bool { return b.hasHold("tenant", "acme") })
	t.Logf("hold replicated in %v", took)
	if got := b.claimed(t); !slices.Equal(got, []queue.ID{globex}) {
		t.Fatalf("b claimed %v, want only %v (acme's %v held)", got, globex, acme)
	}
	h := b.store.Holds()[0]
	if h.By != "alice" || h.Reason != "abuse report" || !h.Until.Equal(until) {
		t.Fatalf("b's hold = %+v", h)
	}
	if got := a.claimed(t); len(got) != 0 {
		t.Fatalf("a claimed %v under its own hold", got)
	}

	if _, err := b.store.Resume(ctx, "tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	var got []queue.ID
	waitFor(t, time.Second, "a releases acme's mail", func() bool {
		got = append(got, a.claimed(t)...)
		return slices.Contains(got, atA)
	})
	if a.hasHold("tenant", "acme") {
		t.Fatal("a still lists the hold")
	}
	if seq, _ := b.store.FleetHoldOutboxSeq(); seq != 1 {
		t.Fatalf("b's outbox took %d changes, want 1 (its resume; nothing echoed)", seq)
	}
	if n, _ := srv.Do(ctx, "XLEN", "sluice:holds:log"); n != "2" {
		t.Fatalf("hold log holds %s entries, want 2", n)
	}
}

// TestHoldStreamPauseAtAHoldsMarketingAtB: the reputation guard's pause (a
// stream hold of acme's marketing) set at A holds acme's marketing at B
// while acme's transactional mail goes.
func TestHoldStreamPauseAtAHoldsMarketingAtB(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newHoldNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newHoldNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	mk := b.put(t, "acme", queue.Marketing, "r@y.example")
	tr := b.put(t, "acme", queue.Transactional, "r@y.example")
	name := queue.StreamHoldName("acme", queue.Marketing)
	if err := a.store.SuspendUntil(t.Context(), "stream", name, "reputation", "complaints 0.4%", time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b pauses acme's marketing", func() bool { return b.hasHold("stream", name) })
	if got := b.claimed(t); !slices.Equal(got, []queue.ID{tr}) {
		t.Fatalf("b claimed %v, want only the transactional %v (marketing %v paused)", got, tr, mk)
	}
}

// TestHoldNodeDownCatchesUp: changes made while A is down (a suspension
// and the lifting of one A holds) are applied when A starts, from its
// cursor, without a full resync.
func TestHoldNodeDownCatchesUp(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	adir := t.TempDir()
	a := newHoldNode(t, srv, "a", adir, clock.Now)
	b := newHoldNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	waitFor(t, 5*time.Second, "same epoch", func() bool {
		ea, eb := *a.h.epoch.Load(), *b.h.epoch.Load()
		return ea != "" && ea == eb
	})
	if err := b.store.Suspend(t.Context(), "domain", "first.example", "op"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "a holds first", func() bool { return a.hasHold("domain", "first.example") })
	a.down()

	ctx := t.Context()
	if err := b.store.Suspend(ctx, "pool", "bulk", "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Resume(ctx, "domain", "first.example"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b pushed", func() bool { n, _ := srv.Do(ctx, "XLEN", "sluice:holds:log"); return n == "3" })

	a = newHoldNode(t, srv, "a", adir, clock.Now)
	a.run(t)
	waitFor(t, 2*time.Second, "a caught up", func() bool {
		return a.hasHold("pool", "bulk") && !a.hasHold("domain", "first.example")
	})
	if s := a.h.Stats(); s.Resyncs != 0 {
		t.Fatalf("a resynced %d times: want a catch-up from its cursor", s.Resyncs)
	}
}

// TestHoldRedisRestartedEmpty: a hold set while Redis is down holds
// locally and waits in the outbox; Redis restarted empty is re-seeded by
// the nodes, and the hold reaches the other node.
func TestHoldRedisRestartedEmpty(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newHoldNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newHoldNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	ctx := t.Context()
	if err := b.store.Suspend(ctx, "site", "gmail", "op"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "a holds gmail", func() bool { return a.hasHold("site", "gmail") })

	srv.Kill()
	if err := a.store.Suspend(ctx, "tenant", "acme", "op"); err != nil {
		t.Fatal(err)
	}
	if !a.store.SiteHeld("gmail") || !a.hasHold("tenant", "acme") {
		t.Fatal("local holds do not work while redis is down")
	}
	srv.RestartEmpty()
	waitFor(t, 5*time.Second, "every node holds both", func() bool {
		return a.hasHold("tenant", "acme") && b.hasHold("tenant", "acme") &&
			a.hasHold("site", "gmail") && b.hasHold("site", "gmail")
	})
	waitFor(t, 2*time.Second, "redis re-seeded", func() bool { n, _ := srv.Do(ctx, "HLEN", "sluice:holds:all"); return n == "2" })
	waitFor(t, 2*time.Second, "a's outbox settled", func() bool { c, _ := a.store.FleetHoldOutbox(10); return len(c) == 0 })
}

// TestHoldTimedExpiresEverywhere: a timed hold set at A carries its end
// to B, where B's own lifter lifts it on B's clock; expiry is not logged.
func TestHoldTimedExpiresEverywhere(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newHoldNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newHoldNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	ctx := t.Context()
	until := clock.Now().Add(time.Hour)
	if err := a.store.SuspendUntil(ctx, "domain", "x.example", "op", "maintenance", until); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b holds x.example", func() bool { return b.hasHold("domain", "x.example") })
	if lifted, err := b.store.LiftExpired(ctx, until.Add(-time.Second)); err != nil || len(lifted) != 0 {
		t.Fatalf("lifted %v, %v before the end", lifted, err)
	}
	if lifted, err := b.store.LiftExpired(ctx, until); err != nil || len(lifted) != 1 || !lifted[0].Until.Equal(until) {
		t.Fatalf("LiftExpired at the end = %+v, %v", lifted, err)
	}
	if seq, _ := b.store.FleetHoldOutboxSeq(); seq != 0 {
		t.Fatalf("expiry wrote %d outbox entries", seq)
	}
}

// TestHoldPushedWhenRedisBack: a suspension and a resume made at A while
// Redis is down hold and release locally at once, wait in A's outbox, and
// reach B when Redis is back with its data (no re-seed: the outbox itself
// is pushed, the lift included).
func TestHoldPushedWhenRedisBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{Persistent: true})
	a := newHoldNode(t, srv, "a", t.TempDir(), clock.Now)
	b := newHoldNode(t, srv, "b", t.TempDir(), clock.Now)
	a.run(t)
	b.run(t)
	ctx := t.Context()
	if err := b.store.Suspend(ctx, "site", "gmail", "op"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "a holds gmail", func() bool { return a.hasHold("site", "gmail") })

	srv.Kill()
	if err := a.store.Suspend(ctx, "tenant", "acme", "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Resume(ctx, "site", "gmail"); err != nil {
		t.Fatal(err)
	}
	if a.store.SiteHeld("gmail") || !a.hasHold("tenant", "acme") {
		t.Fatal("local holds do not change while redis is down")
	}
	if c, _ := a.store.FleetHoldOutbox(10); len(c) != 2 {
		t.Fatalf("a's outbox holds %d changes while redis is down, want 2", len(c))
	}
	srv.Restart()
	waitFor(t, 5*time.Second, "b holds acme and released gmail", func() bool {
		return b.hasHold("tenant", "acme") && !b.store.SiteHeld("gmail")
	})
}

// TestHoldLiftNotUndoneByAJoiningNode: a node that held a hold before it
// joined (or missed the lift) re-seeds it when it joins, but the lift made
// later elsewhere left a later tombstone: the hold is not brought back to
// the fleet, and the joining node lifts its own.
func TestHoldLiftNotUndoneByAJoiningNode(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := newHoldNode(t, srv, "a", t.TempDir(), clock.Now)
	a.run(t)
	a.ready(t)
	ctx := t.Context()
	if err := a.store.Suspend(ctx, "domain", "x.example", "op"); err != nil {
		t.Fatal(err)
	}
	c := newHoldNode(t, srv, "c", t.TempDir(), clock.Now) // not running yet
	if err := c.store.Suspend(ctx, "domain", "x.example", "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Resume(ctx, "domain", "x.example"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "a pushed its lift", func() bool { n, _ := srv.Do(ctx, "XLEN", "sluice:holds:log"); return n == "2" })
	c.run(t)
	waitFor(t, 2*time.Second, "c lifts its stale hold", func() bool { return !c.hasHold("domain", "x.example") })
	c.ready(t)
	if v, err := srv.Do(ctx, "HGET", "sluice:holds:all", "domain:x.example"); err != nil || len(v) != 20 {
		t.Fatalf("hash field = %q, %v: want the lift's tombstone, not c's older hold", v, err)
	}
	if a.hasHold("domain", "x.example") {
		t.Fatal("the joining node brought the lifted hold back to a")
	}
	if s := c.h.Stats(); s.Reseeds != 1 {
		t.Fatalf("c re-seeded %d times, want 1", s.Reseeds)
	}
}
