package tracking_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/admin"
	"sluice/fleet"
	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
)

// fleetEdge is a standalone edge in a fleet: a real Edge over its own
// events store, its suppression spool and its fleet member, run as
// `sluice edge` runs them (tracking.EdgeFleet beside the edge).
type fleetEdge struct {
	base   string
	keys   *token.Keyring
	spool  *queue.Store
	member *fleet.EdgeMember
	events *events.Store
	// stop stops the edge and closes its stores (at the latest when the
	// test ends).
	stop func()
}

// startFleetEdge starts the edge on srv's fleet, publishing its
// statistics every 50 ms, until the test ends.
func startFleetEdge(t *testing.T, srv *redistest.Server) *fleetEdge {
	t.Helper()
	return startFleetEdgeIn(t, srv, t.TempDir())
}

// startFleetEdgeIn starts the edge with its stores in dir (those of an
// edge stopped before, if any), following the fleet's erasures as
// `sluice edge` does.
func startFleetEdgeIn(t *testing.T, srv *redistest.Server, dir string) *fleetEdge {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ev, err := events.Open(filepath.Join(dir, "events.db"), events.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	spool, err := tracking.OpenSuppressionSpool(dir, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fleet.JoinEdge(t.Context(), spool, fleet.MemberOptions{URL: srv.URL(), DataDir: dir,
		StreamMaxLen: 1000, Version: "test", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	// The edge's statistics as the wiring publishes them: admin's
	// per-tenant and per-campaign JSON, for the tenants its store knows.
	m.PublishStats(func(ctx context.Context) (map[string][]byte, error) {
		names, err := ev.Tenants()
		if err != nil {
			return nil, err
		}
		return admin.Config{Stats: ev, Tenants: names}.StatsSource()(ctx)
	}, fleet.StatsOptions{Every: 50 * time.Millisecond})
	// The erasures as the wiring follows them: the fleet's requests on the
	// suppression spool, the nodes' erased recipients on the events.
	m.FollowErasures(admin.ApplyErasure(admin.Stores{Spool: spool, Events: ev}, log), tracking.EdgeErasures{Events: ev},
		fleet.EraseOptions{Block: 100 * time.Millisecond, RetryDelay: 50 * time.Millisecond})
	fe := &fleetEdge{keys: testKeyring(t, 1, "edge test secret, 32 bytes long!"), spool: spool, member: m, events: ev}
	edge, err := tracking.New(tracking.Config{Keyring: fe.keys, Events: ev, Suppressor: m.Suppressions(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fe.base = "http://" + ln.Addr().String()
	ef := &tracking.EdgeFleet{Member: m, Spool: spool, Events: ev}
	s := &tracking.Standalone{Edge: edge, Listener: ln, Webhooks: ef.Run, Events: ef, Logger: log}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	fe.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("edge: %v", err)
			}
		})
	}
	t.Cleanup(fe.stop)
	return fe
}

// seal makes a token of tenant acme for a message accepted an hour ago
// (outside the scanner window).
func (fe *fleetEdge) seal(t *testing.T, c token.Claims) string {
	t.Helper()
	c.Tenant = "acme"
	accepted := clock.Now().Add(-time.Hour)
	if c.Message != 0 { // a message queued at a node: accepted when its id says
		accepted = time.UnixMicro(int64(c.Message))
	}
	c.Message, c.Issued = uint64(accepted.UnixMicro()), accepted
	tok, err := fe.keys.Seal(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request as a browser and returns its status.
func (fe *fleetEdge) do(t *testing.T, method, path string) int {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body, _ = oneClickForm()
	}
	req, err := http.NewRequest(method, fe.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", firefox)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// joinNode opens a node's spool and joins srv's fleet as id until the
// test ends, publishing statistics from stats when not nil.
func joinNode(t *testing.T, srv *redistest.Server, id string, stats fleet.StatsSource) (*fleet.StatsBoard, *queue.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := queue.Open(filepath.Join(dir, "spool.db"), queue.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := fleet.Join(t.Context(), st, fleet.MemberOptions{URL: srv.URL(), NodeID: id, DataDir: dir,
		LeaseTTL: 15 * time.Second, StreamMaxLen: 1000, Version: "test"})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	var board *fleet.StatsBoard
	if stats != nil {
		board = m.PublishStats(stats, fleet.StatsOptions{Every: 50 * time.Millisecond})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node %s: %v", id, err)
		}
		m.Close()
		st.Close()
	})
	return board, st
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFleetEdgeUnsubscribe: a one-click unsubscribe taken by a standalone
// edge, with no node's admin API behind it, is refused for marketing at a
// node within a second; the edge keeps none of the node's suppressions.
func TestFleetEdgeUnsubscribe(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	_, node := joinNode(t, srv, "n1", nil)
	fe := startFleetEdge(t, srv)
	if err := node.Suppress(t.Context(), queue.Suppression{Tenant: "acme", Addr: "bob@example.net",
		Scope: queue.ScopeAll, Reason: "complaint", Source: "inbound"}); err != nil {
		t.Fatal(err)
	}
	tok := fe.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 1, Addr: "Kim@Example.net"})
	start := time.Now()
	if code := fe.do(t, http.MethodPost, "/u/"+tok); code != http.StatusOK {
		t.Fatalf("one-click POST: %d", code)
	}
	if _, ok := fe.spool.Suppressed("acme", "kim@example.net"); !ok {
		t.Fatal("the 200 came before the edge's spool had the suppression")
	}
	eventually(t, time.Second, "the node refuses kim for marketing", func() bool {
		_, blocked := node.SuppressedFor("acme", "kim@example.net", queue.Marketing)
		return blocked
	})
	t.Logf("edge POST to node refusal: %v", time.Since(start))
	if _, blocked := node.SuppressedFor("acme", "kim@example.net", queue.Transactional); blocked {
		t.Error("a marketing unsubscribe blocks transactional mail at the node")
	}
	eventually(t, 5*time.Second, "the edge reads the node's change", func() bool {
		return fe.member.Replicator.Stats().Applied > 0
	})
	if _, ok := fe.spool.Suppressed("acme", "bob@example.net"); ok {
		t.Error("the edge keeps a replica of the node's suppressions")
	}
}

// TestFleetEdgeUnsubscribeRedisDown: with Redis down, the one-click POST
// still gets its 200 once the edge's spool has it; when Redis is back
// (with its data, or emptied and re-seeded) the node refuses the address.
func TestFleetEdgeUnsubscribeRedisDown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		persistent bool
	}{
		{"redis back with its data", true},
		{"redis back empty", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t, redistest.Config{Persistent: c.persistent})
			_, node := joinNode(t, srv, "n1", nil)
			fe := startFleetEdge(t, srv)
			eventually(t, 5*time.Second, "the edge has joined", func() bool {
				return fe.member.Replicator.Stats().Resyncs > 0
			})
			srv.Kill()
			tok := fe.seal(t, token.Claims{Kind: token.Unsubscribe, Rcpt: 1, Addr: "kim@example.net"})
			if code := fe.do(t, http.MethodPost, "/u/"+tok); code != http.StatusOK {
				t.Fatalf("one-click POST with Redis down: %d", code)
			}
			if _, ok := fe.spool.Suppressed("acme", "kim@example.net"); !ok {
				t.Fatal("the 200 came before the edge's spool had the suppression")
			}
			if n, err := fe.spool.FleetOutboxDepth(); err != nil || n != 1 {
				t.Fatalf("edge outbox depth %d, %v; want the unsubscribe waiting", n, err)
			}
			if _, blocked := node.SuppressedFor("acme", "kim@example.net", queue.Marketing); blocked {
				t.Fatal("the node has it with Redis down: the test proves nothing")
			}
			srv.Restart()
			eventually(t, 10*time.Second, "the node refuses kim after Redis is back", func() bool {
				_, blocked := node.SuppressedFor("acme", "kim@example.net", queue.Marketing)
				return blocked
			})
			eventually(t, 5*time.Second, "the edge's outbox drains", func() bool {
				n, err := fe.spool.FleetOutboxDepth()
				return err == nil && n == 0
			})
		})
	}
}

// TestFleetEdgeStats: the edge's clicks and unsubscribes are in the
// fleet's statistics as a node reads them, under the edge's id, live.
func TestFleetEdgeStats(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	board, _ := joinNode(t, srv, "n1", func(context.Context) (map[string][]byte, error) { return map[string][]byte{}, nil })
	fe := startFleetEdge(t, srv)
	for i := range 3 {
		tok := fe.seal(t, token.Claims{Kind: token.Click, Rcpt: uint32(i), Link: 1, URL: "https://shop.example/"})
		if code := fe.do(t, http.MethodGet, "/c/"+tok); code != http.StatusFound {
			t.Fatalf("click: %d", code)
		}
	}
	var got admin.TenantStats
	var edgeNode fleet.NodeStats
	eventually(t, 5*time.Second, "the fleet's statistics count the edge's 3 clicks", func() bool {
		fs, err := board.Read(t.Context(), fleet.StatsField("acme", ""))
		if err != nil {
			return false
		}
		for _, n := range fs.Nodes {
			if fleet.IsEdge(n.Node) && n.Value != nil {
				edgeNode = n
				return json.Unmarshal(n.Value, &got) == nil && got.Clicks == 3
			}
		}
		return false
	})
	if edgeNode.Stale || got.UniqueClicks != 3 {
		t.Errorf("edge's numbers %+v from %+v", got, edgeNode)
	}
	st := fe.member.Status(t.Context())
	if st.Err != nil || len(st.Nodes) != 2 || !fleet.IsEdge(st.NodeID) {
		t.Errorf("cluster status from the edge: %+v", st)
	}
}

// erasingNode is a node that erases as `sluice serve` does in a fleet:
// its privacy stores share the recipients they erase, and its member
// follows the fleet's erasure requests.
type erasingNode struct {
	member *fleet.Member
	spool  *queue.Store
	stores admin.Stores
}

func joinErasingNode(t *testing.T, srv *redistest.Server, id string) *erasingNode {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	st, err := queue.Open(filepath.Join(dir, "spool.db"), queue.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := events.Open(filepath.Join(dir, "events.db"), events.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	m, err := fleet.Join(t.Context(), st, fleet.MemberOptions{URL: srv.URL(), NodeID: id, DataDir: dir,
		LeaseTTL: 15 * time.Second, StreamMaxLen: 1000, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	n := &erasingNode{member: m, spool: st, stores: admin.Stores{
		Spool: admin.SharingSpool(st, m.Client.ErasedRecipients(0).Share, log), Events: ev}}
	m.FollowErasures(admin.ApplyErasure(n.stores, log), fleet.EraseOptions{Block: 100 * time.Millisecond, RetryDelay: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node %s: %v", id, err)
		}
		m.Close()
		ev.Close(context.Background())
		st.Close()
	})
	return n
}

// erase erases tenant acme's addr at the node as the admin API does: here,
// then the request to the fleet.
func (n *erasingNode) erase(t *testing.T, addr string) {
	t.Helper()
	if _, err := admin.Erase(t.Context(), n.stores, "acme", addr); err != nil {
		t.Fatal(err)
	}
	if pushed, err := n.member.Erasures.Publish(t.Context(), "acme", addr); err != nil || !pushed {
		t.Fatalf("publish the erasure: pushed %v, %v", pushed, err)
	}
}

// edgeTraffic queues a message to kim (recipient 0) and lee (1) at node
// and has kim click and unsubscribe, and lee click, at the edge; it
// returns kim's and lee's recipient ids.
func edgeTraffic(t *testing.T, node *erasingNode, fe *fleetEdge) (kim, lee []events.RecipientID) {
	t.Helper()
	id := node.spool.NewID()
	if err := node.spool.Enqueue(t.Context(), &queue.Message{ID: id, Tenant: "acme", From: "news@acme.example",
		Rcpts: []string{"kim@example.net", "lee@example.net"}, Created: clock.Now(), Body: []byte("Subject: x\r\n\r\nx\r\n")}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		tok := fe.seal(t, token.Claims{Kind: token.Click, Message: uint64(id), Rcpt: uint32(i), Link: 1, URL: "https://shop.example/"})
		if code := fe.do(t, http.MethodGet, "/c/"+tok); code != http.StatusFound {
			t.Fatalf("click: %d", code)
		}
	}
	tok := fe.seal(t, token.Claims{Kind: token.Unsubscribe, Message: uint64(id), Rcpt: 0, Addr: "kim@example.net"})
	if code := fe.do(t, http.MethodPost, "/u/"+tok); code != http.StatusOK {
		t.Fatalf("one-click POST: %d", code)
	}
	kim = []events.RecipientID{{Message: uint64(id), Rcpt: 0}}
	lee = []events.RecipientID{{Message: uint64(id), Rcpt: 1}}
	if n := countEvents(t, fe.events, kim); n != 2 {
		t.Fatalf("the edge holds %d events of kim, want a click and an unsubscribe", n)
	}
	if sup := suppressionsOf(t, fe.spool, "kim@example.net"); len(sup) != 1 || sup[0] != "kim@example.net" {
		t.Fatalf("the edge's spool before the erasure: %q", sup)
	}
	return kim, lee
}

func countEvents(t *testing.T, ev *events.Store, ids []events.RecipientID) int {
	t.Helper()
	if err := ev.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err := ev.ExportRecipient(t.Context(), "acme", ids)
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

// suppressionsOf lists the Addr of the suppressions spool holds for
// tenant acme's addr: in clear, or as its keyed hash.
func suppressionsOf(t *testing.T, spool *queue.Store, addr string) []string {
	t.Helper()
	sub, err := spool.FindSubject(t.Context(), "acme", addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range sub.Suppressions {
		out = append(out, s.Addr)
	}
	return out
}

// erasedAtEdge waits until the edge holds no event of kim and keeps kim's
// unsubscribe by its hash only, then checks lee's click is left.
func erasedAtEdge(t *testing.T, fe *fleetEdge, kim, lee []events.RecipientID) {
	t.Helper()
	eventually(t, 10*time.Second, "the edge's events of kim are erased", func() bool {
		return countEvents(t, fe.events, kim) == 0
	})
	eventually(t, 10*time.Second, "the edge keeps kim's unsubscribe hashed only", func() bool {
		sup := suppressionsOf(t, fe.spool, "kim@example.net")
		return len(sup) == 1 && strings.HasPrefix(sup[0], queue.HashedPrefix)
	})
	if _, ok := fe.spool.Suppressed("acme", "kim@example.net"); !ok {
		t.Error("the edge's spool no longer suppresses kim: a re-seed would not bring her opt-out back")
	}
	if n, err := fe.spool.FleetOutboxDepth(); err != nil || n != 0 {
		t.Errorf("edge outbox %d, %v: kim's unsubscribe could be pushed in clear", n, err)
	}
	if n := countEvents(t, fe.events, lee); n != 1 {
		t.Errorf("the edge holds %d events of lee, want her click kept", n)
	}
}

// TestFleetEdgeErasure: an erasure made at a node reaches a standalone
// edge: its events of the person (a click, an unsubscribe) are gone, the
// suppression its spool took is kept by its keyed hash only, and another
// recipient of the same message keeps hers.
func TestFleetEdgeErasure(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	node := joinErasingNode(t, srv, "n1")
	fe := startFleetEdge(t, srv)
	kim, lee := edgeTraffic(t, node, fe)
	eventually(t, 5*time.Second, "the node has the edge's unsubscribe", func() bool {
		_, ok := node.spool.Suppressed("acme", "kim@example.net")
		return ok
	})
	node.erase(t, "kim@example.net")
	erasedAtEdge(t, fe, kim, lee)
}

// TestFleetEdgeErasureWhileDown: an edge down when a node erases applies
// the erasure when it starts again.
func TestFleetEdgeErasureWhileDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	node := joinErasingNode(t, srv, "n1")
	dir := t.TempDir()
	fe := startFleetEdgeIn(t, srv, dir)
	kim, lee := edgeTraffic(t, node, fe)
	edgeID := fe.member.Client.NodeID()
	eventually(t, 5*time.Second, "the edge follows the erasure log", func() bool {
		v, err := srv.Do(t.Context(), "HEXISTS", "sluice:erase:members", edgeID)
		return err == nil && v == "1"
	})
	eventually(t, 5*time.Second, "the edge's unsubscribe is in Redis", func() bool {
		n, err := fe.spool.FleetOutboxDepth()
		return err == nil && n == 0
	})
	fe.stop()
	node.erase(t, "kim@example.net")
	fe = startFleetEdgeIn(t, srv, dir)
	erasedAtEdge(t, fe, kim, lee)
}
