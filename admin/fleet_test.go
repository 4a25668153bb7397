package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"sluice/fleet"
	"sluice/fleet/redistest"
	"sluice/queue"
	"sluice/tracking/events"
)

// fleetNode is an admin API over f's stores as node id of the fleet on
// srv: its member runs (statistics every 50 ms, erasures followed) until
// stop or the end of the test.
type fleetNode struct {
	*fixture
	id     string
	member *fleet.Member
	stop   func()
}

func joinFleet(t *testing.T, f *fixture, srv *redistest.Server, id, dataDir string, stats bool) *fleetNode {
	t.Helper()
	m, err := fleet.Join(t.Context(), f.spool, fleet.MemberOptions{URL: srv.URL(), NodeID: id, DataDir: dataDir,
		LeaseTTL: 15 * time.Second, Version: "test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config()
	if stats {
		cfg.FleetStats = m.PublishStats(cfg.StatsSource(), fleet.StatsOptions{Every: 50 * time.Millisecond})
	}
	cfg.FleetErase = m.FollowErasures(ApplyErasure(f.stores(), cfg.Logger), fleet.EraseOptions{Block: 100 * time.Millisecond, RetryDelay: 50 * time.Millisecond})
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	n := &fleetNode{fixture: f, id: id, member: m}
	var stopped bool
	n.stop = func() {
		if stopped {
			return
		}
		stopped = true
		f.srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("member %s: %v", id, err)
		}
		m.Close()
	}
	t.Cleanup(n.stop)
	return n
}

func (n *fleetNode) stats(t *testing.T, query string) TenantStats {
	t.Helper()
	code, body := n.do(http.MethodGet, "/api/v1/stats?tenant=acme"+query, "")
	if code != http.StatusOK {
		t.Fatalf("stats at %s: %d %s", n.id, code, body)
	}
	var st TenantStats
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: after a Redis restart the client's reconnect backoff and
	// the pending push's retry both run on a loaded CI machine.
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFleetStats: `ctl stats` at either node of a fleet sums both nodes'
// counters, names the nodes that contributed, lists a live node that
// published nothing as missing, and flags a stopped node's numbers stale
// while still counting them; ?local=1 is the node's own.
func TestFleetStats(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := joinFleet(t, newFixture(t), srv, "a", t.TempDir(), true)
	b := joinFleet(t, newFixture(t), srv, "b", t.TempDir(), true)
	a.enqueue(queue.Marketing, "ann@example.test", "bob@example.test")
	id := b.enqueue(queue.Marketing, "cy@example.test")
	b.record(events.KindClick, id, 0)
	var st TenantStats
	waitUntil(t, "a sums both nodes", func() bool {
		st = a.stats(t, "")
		return st.Sent == 3 && st.Clicks == 1 && st.Fleet != nil && len(st.Fleet.Nodes) == 2
	})
	if st.Fleet.Nodes[0].ID != "a" || !st.Fleet.Nodes[0].Local || st.Fleet.Nodes[1].ID != "b" || st.Fleet.Nodes[1].Stale ||
		len(st.Links) != 1 || st.Links[0].Clicks != 1 {
		t.Fatalf("fleet stats at a: %+v, %+v", st, st.Fleet)
	}
	if l := a.stats(t, "&local=1"); l.Sent != 2 || l.Fleet != nil {
		t.Fatalf("local stats at a: %+v", l)
	}
	// A live node without a snapshot is missing; its numbers are not in.
	c := joinFleet(t, newFixture(t), srv, "c", t.TempDir(), false)
	c.enqueue(queue.Marketing, "dee@example.test")
	waitUntil(t, "b lists c as missing", func() bool {
		st = b.stats(t, "")
		return st.Sent == 3 && len(st.Fleet.Missing) == 1 && st.Fleet.Missing[0] == "c"
	})
	// A node stopped still counts, stale.
	b.stop()
	waitUntil(t, "a flags b stale", func() bool {
		st = a.stats(t, "")
		return st.Sent == 3 && len(st.Fleet.Nodes) == 2 && st.Fleet.Nodes[1].Stale
	})
}

// TestFleetStatsRedisDown: with Redis gone the answer is the node's own
// numbers, saying so.
func TestFleetStatsRedisDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := joinFleet(t, newFixture(t), srv, "a", t.TempDir(), true)
	a.enqueue(queue.Marketing, "ann@example.test")
	srv.Kill()
	st := a.stats(t, "")
	if st.Sent != 1 || st.Fleet == nil || st.Fleet.Error == "" || len(st.Fleet.Nodes) != 1 {
		t.Fatalf("stats with redis down: %+v %+v", st, st.Fleet)
	}
}

// annGone reports whether f's stores hold nothing of ann any more: no
// directory entries, queued records, events or suppression by address.
func annGone(t *testing.T, f *fixture) bool {
	t.Helper()
	ex, err := Export(context.Background(), f.stores(), "acme", "ann@example.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ex.Suppressions {
		if !s.Hashed {
			return false
		}
	}
	return len(ex.Directory) == 0 && len(ex.Queued) == 0 && len(ex.Events) == 0
}

func eraseAnn(t *testing.T, n *fleetNode) Erasure {
	t.Helper()
	code, body := n.do(http.MethodPost, "/api/v1/privacy/erase", `{"tenant":"acme","address":"ann@example.test"}`)
	if code != http.StatusOK {
		t.Fatalf("erase at %s: %d %s", n.id, code, body)
	}
	var e Erasure
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func redisClient(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestFleetErase: an erasure at a erases ann's data at b too (spool,
// events, the suppression kept hashed, still refusing her), takes her
// suppression in clear out of Redis, and the request itself leaves Redis
// once both nodes applied it.
func TestFleetErase(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := joinFleet(t, newFixture(t), srv, "a", t.TempDir(), false)
	b := joinFleet(t, newFixture(t), srv, "b", t.TempDir(), false)
	subjects(t, b.fixture)
	rc := redisClient(t, srv)
	waitUntil(t, "ann's suppression reaches redis", func() bool {
		return rc.HExists(t.Context(), "sluice:supp:all", "acme\x00ann@example.test").Val()
	})
	if annGone(t, b.fixture) {
		t.Fatal("b holds nothing of ann before the erasure")
	}
	if e := eraseAnn(t, a); e.Fleet != "published" {
		t.Fatalf("erasure at a: %+v", e)
	}
	waitUntil(t, "b erased ann", func() bool { return annGone(t, b.fixture) })
	if _, ok := b.spool.Suppressed("acme", "ann@example.test"); !ok {
		t.Fatal("ann is no longer suppressed at b")
	}
	if rc.HExists(t.Context(), "sluice:supp:all", "acme\x00ann@example.test").Val() {
		t.Fatal("redis still holds ann's suppression in clear")
	}
	waitUntil(t, "the request leaves redis", func() bool {
		return rc.XLen(t.Context(), "sluice:erase:log").Val() == 0
	})
	if got := rc.Keys(t.Context(), "sluice:erase:acks:*").Val(); len(got) != 0 {
		t.Fatalf("acks left: %v", got)
	}
}

// TestFleetEraseNodeDown: b, a member that is down when a erases, applies
// the request when it starts again; until then the request waits in
// Redis, and then it goes.
func TestFleetEraseNodeDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	rc := redisClient(t, srv)
	a := joinFleet(t, newFixture(t), srv, "a", t.TempDir(), false)
	bf, bdir := newFixture(t), t.TempDir()
	b := joinFleet(t, bf, srv, "b", bdir, false)
	waitUntil(t, "b is a member", func() bool {
		return rc.HExists(t.Context(), "sluice:erase:members", "b").Val()
	})
	b.stop()
	subjects(t, bf) // b's data of ann, written while b is out of the fleet
	if d, err := bf.spool.FleetOutboxDepth(); err != nil || d != 1 {
		t.Fatalf("b's fleet outbox: %d, %v", d, err)
	}
	eraseAnn(t, a)
	time.Sleep(300 * time.Millisecond) // a's follower has read and acked its own request
	if n := rc.XLen(t.Context(), "sluice:erase:log").Val(); n != 1 {
		t.Fatalf("erase log while b is down: %d entries, want 1", n)
	}
	if annGone(t, bf) {
		t.Fatal("b erased while down")
	}
	joinFleet(t, bf, srv, "b", bdir, false)
	waitUntil(t, "b erased ann on its return", func() bool { return annGone(t, bf) })
	waitUntil(t, "the request leaves redis", func() bool {
		return rc.XLen(t.Context(), "sluice:erase:log").Val() == 0
	})
	// b's suppression of ann, waiting in its fleet outbox while it was
	// out, went with the erasure: Redis never gets her address back.
	time.Sleep(300 * time.Millisecond)
	if rc.HExists(t.Context(), "sluice:supp:all", "acme\x00ann@example.test").Val() {
		t.Fatal("redis holds ann's suppression in clear again")
	}
}

// TestFleetErasePending: an erasure made while Redis is down is kept in
// the spool ("pending") and reaches the other node once Redis is back.
func TestFleetErasePending(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{Persistent: true})
	a := joinFleet(t, newFixture(t), srv, "a", t.TempDir(), false)
	b := joinFleet(t, newFixture(t), srv, "b", t.TempDir(), false)
	subjects(t, b.fixture)
	srv.Kill()
	if e := eraseAnn(t, a); e.Fleet != "pending" {
		t.Fatalf("erasure with redis down: %+v", e)
	}
	if pend, err := a.spool.FleetErasePending(); err != nil || len(pend) != 1 {
		t.Fatalf("pending at a: %v, %v", pend, err)
	}
	srv.Restart()
	waitUntil(t, "b erased ann once redis is back", func() bool { return annGone(t, b.fixture) })
	if pend, err := a.spool.FleetErasePending(); err != nil || len(pend) != 0 {
		t.Fatalf("pending at a after the push: %v, %v", pend, err)
	}
}
