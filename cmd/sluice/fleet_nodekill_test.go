package main

import (
	"testing"
	"time"

	"sluice/fleet/redistest"
)

// TestFleetNodeKilledLeasesComeBack SIGKILLs one of three `sluice serve`
// nodes while it delivers to a slow site whose connection limit (4) the
// nodes share, and proves that its connection leases expire and the two
// survivors, which have mail waiting, open the whole shared limit within
// the lease TTL (3 s here) plus a margin, and never more than it.
func TestFleetNodeKilledLeasesComeBack(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	const ttl, margin = 3 * time.Second, 3 * time.Second
	srv := redistest.Start(t, redistest.Config{})
	sink := newSeqSink(t, 60*time.Millisecond) // 4 connections: ≈ 60 messages/s, below the load
	counter := newConnCounter(t, sink.Addr())
	nodes, _ := startFleet(t, fleetSpec{redisURL: srv.URL(), sink: counter.addr(), cluster: `lease_ttl = "3s"`, extra: sinkRule},
		"a", "b", "c")
	load := startLoad(t, nodes)
	defer load.finish()
	load.waitAccepted(t, 100, 30*time.Second)
	// c is delivering (it holds a lease) when it dies.
	waitFor(t, 20*time.Second, func() bool { return time.Since(sink.lastFrom("c.fleet.test")) < 250*time.Millisecond })
	_ = nodes[2].child.cmd.Process.Kill()
	killed := time.Now()

	var reached time.Duration
	for deadline := killed.Add(ttl + margin); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// A connection opened after the kill that brings the count to
		// the limit: c's sockets are gone (the kernel closed them), so the
		// survivors hold every slot, its leases included.
		if at, ok := counter.firstReaching(killed, fleetLimit); ok {
			reached = at.Sub(killed)
			break
		}
	}
	time.Sleep(200 * time.Millisecond)
	peak, opened := counter.peak(killed, time.Time{})
	t.Logf("connections opened after the kill (seconds: open at once): %s", counter.timeline(killed))
	if reached == 0 {
		t.Fatalf("the survivors never had the shared limit's %d connections open within lease_ttl %v + %v (peak %d, %d opened)",
			fleetLimit, ttl, margin, peak, opened)
	}
	if peak > fleetLimit {
		t.Errorf("%d connections open at once after the kill, over the shared limit %d", peak, fleetLimit)
	}
	t.Logf("survivors at the full shared limit %v after the kill (lease_ttl %v)", reached, ttl)
}
