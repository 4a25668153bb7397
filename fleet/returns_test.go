package fleet

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
)

// newNumberedNode is newNode for a node with a node number claimed in
// Redis (its spool mints ids with it), as `sluice serve` opens one.
func newNumberedNode(t *testing.T, srv *redistest.Server, id string) (*node, int) {
	t.Helper()
	dir := t.TempDir()
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Now: clock.Now, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	num, err := c.NodeNumber(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := queue.Open(filepath.Join(dir, "spool.db"), queue.Options{Now: clock.Now, Node: num})
	if err != nil {
		t.Fatal(err)
	}
	n := &node{id: id, store: st, c: c,
		r: c.Replicator(st, ReplicatorOptions{Block: 100 * time.Millisecond, RetryDelay: 20 * time.Millisecond})}
	n.stop = func() {}
	t.Cleanup(func() { n.stop(); c.Close(); st.Close() })
	return n, num
}

// forward stores a return at n as its MX does and hands it to node num as
// its returns worker does.
func forward(t *testing.T, n *node, num int, data string) {
	t.Helper()
	ret := &queue.Return{Rcpt: "fbl@bounce.example", Received: clock.Now(), Data: []byte(data)}
	if err := n.store.AddReturn(t.Context(), ret); err != nil {
		t.Fatal(err)
	}
	if err := n.store.ForwardReturn(t.Context(), num, ret); err != nil {
		t.Fatal(err)
	}
}

// TestReturnsRelay: a return handed over at node b reaches node a's
// inbox pinned (a attributes it or logs it unattributed, and never hands
// it on) and wakes a's returns worker through SetOnReturn at once, not at
// its next tick; one handed to a node number no node holds (a forged or
// stale id) comes back to b's inbox, pinned, instead of waiting in Redis
// for no one.
func TestReturnsRelay(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a, numA := newNumberedNode(t, srv, "a")
	b, numB := newNumberedNode(t, srv, "b")
	if numA == numB || numA == 0 || numB == 0 {
		t.Fatalf("node numbers %d and %d", numA, numB)
	}
	kicked := make(chan struct{}, 8)
	a.r.SetOnReturn(func() { kicked <- struct{}{} })
	a.run(t)
	b.run(t)

	forward(t, b, numA, "Subject: for a\r\n\r\nreport\r\n")
	select {
	case <-kicked:
	case <-time.After(5 * time.Second):
		t.Fatal("a's returns worker was not woken for the handed return")
	}
	rets, err := a.store.PendingReturns(8)
	if err != nil || len(rets) != 1 || string(rets[0].Data) != "Subject: for a\r\n\r\nreport\r\n" {
		t.Fatalf("a's inbox: %+v, %v", rets, err)
	}
	if !a.store.ReturnPinned(rets[0].ID) {
		t.Error("the handed return is not pinned at a: a could hand it on")
	}
	waitFor(t, 2*time.Second, "b's outbox empty", func() bool { out, _ := b.store.FleetReturns(8); return len(out) == 0 })

	forward(t, b, queue.MaxNode, "Subject: for no one\r\n\r\nreport\r\n")
	var kept []queue.Return
	waitFor(t, 5*time.Second, "the return for no node back in b's inbox", func() bool {
		kept, _ = b.store.PendingReturns(8)
		return len(kept) == 1
	})
	if !b.store.ReturnPinned(kept[0].ID) || string(kept[0].Data) != "Subject: for no one\r\n\r\nreport\r\n" {
		t.Errorf("kept return %+v, pinned %v", kept[0], b.store.ReturnPinned(kept[0].ID))
	}
	if out, _ := b.store.FleetReturns(8); len(out) != 0 {
		t.Errorf("b still hands %d returns over", len(out))
	}
	if n, _ := srv.Do(t.Context(), "EXISTS", "sluice:returns:127"); n != "0" {
		t.Error("a return waits in Redis for a node number no node holds")
	}
}

// TestReturnsHandedOverAreBounded: returns naming another node's ids are
// pushed to its list only up to MaxHandedReturns; the rest stay at the
// node that received them, pinned and logged unattributed, so a stranger
// flooding one inbound MX with returns that name another node (or a
// node away for days) cannot grow Redis without end.
func TestReturnsHandedOverAreBounded(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	_, numA := newNumberedNode(t, srv, "a") // holds its number, never pulls
	b, _ := newNumberedNode(t, srv, "b")
	b.r.o.MaxHandedReturns = 2
	b.run(t)
	for i := range 3 {
		forward(t, b, numA, fmt.Sprintf("Subject: %d\r\n\r\nreport\r\n", i))
	}
	waitFor(t, 5*time.Second, "b's outbox empty", func() bool { out, _ := b.store.FleetReturns(8); return len(out) == 0 })
	if n, _ := srv.Do(t.Context(), "LLEN", fmt.Sprintf("sluice:returns:%d", numA)); n != "2" {
		t.Errorf("a's list holds %s returns, want the bound 2", n)
	}
	kept, err := b.store.PendingReturns(8)
	if err != nil || len(kept) != 1 || !b.store.ReturnPinned(kept[0].ID) {
		t.Fatalf("b kept %+v (%v), want the one over the bound, pinned", kept, err)
	}
}
