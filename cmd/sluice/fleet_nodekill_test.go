package main

import (
	"testing"
	"time"

	"sluice/fleet/redistest"
)

// TestFleetNodeKilledLeasesComeBack SIGKILLs one of three `sluice serve`
// nodes while it delivers to a slow site whose connection limit (4) the
// nodes share, holding some of those connections' leases, and proves
// that the survivors, which have mail waiting, never open more than the
// limit, cannot use the dead node's slots before its leases expire, and
// open the whole shared limit once they have: within the lease TTL (3 s
// here) plus a margin for the survivors' next asks on a loaded machine.
//
// Node c gets slots while a and b deliver a backlog of their own only
// because the leases are handed out fairly (fleet/leases.go): before,
// a and b took each slot back as their connections ended and reopened,
// and c, started last, could wait for one past any deadline.
func TestFleetNodeKilledLeasesComeBack(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	const ttl, margin = 3 * time.Second, 5 * time.Second
	srv := redistest.Start(t, redistest.Config{})
	sink := newSeqSink(t, 60*time.Millisecond) // 4 connections: ≈ 60 messages/s, below the load
	counter := newConnCounter(t, sink.Addr())
	nodes, _ := startFleet(t, fleetSpec{redisURL: srv.URL(), sink: counter.addr(), cluster: `lease_ttl = "3s"`, extra: sinkRule},
		"a", "b", "c")
	load := startLoad(t, nodes)
	defer load.finish()
	load.waitAccepted(t, 100, 60*time.Second)
	// c is delivering, holding a lease, when it dies. Start-up and the
	// first deliveries of three race-built processes take what a loaded
	// machine gives them: the wait is long, the kill is at once.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _, err := leasesOf(t.Context(), srv.URL(), "c")
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && time.Since(sink.lastFrom("c.fleet.test")) < 250*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node c held no connection lease while delivering within 60s (%d leases, last delivery %v)\n%s",
				n, sink.lastFrom("c.fleet.test"), nodes[2].child.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = nodes[2].child.cmd.Process.Kill()
	killed := time.Now()
	_ = nodes[2].child.cmd.Wait() // dead: its leases are what it left
	held, left, err := leasesOf(t.Context(), srv.URL(), "c")
	if err != nil {
		t.Fatal(err)
	}
	freed := time.Now().Add(left) // when the last of c's slots comes back
	// Counting from when the proxy saw c's sockets close: before, a
	// connection of c's still counted beside the survivors' would make
	// the limit look reached.
	waitFor(t, 10*time.Second, func() bool { return counter.goneFrom("c.fleet.test", time.Now()) })
	gone := time.Now()

	var reached time.Duration
	for deadline := killed.Add(ttl + margin); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// A connection opened once c's were closed that brings the count
		// to the limit: the survivors hold every slot, c's included.
		if at, ok := counter.firstReaching(gone, fleetLimit); ok {
			reached = at.Sub(killed)
			break
		}
	}
	time.Sleep(200 * time.Millisecond)
	peak, opened := counter.peak(killed, time.Time{})
	t.Logf("connections opened after the kill (seconds: open at once): %s", counter.timeline(killed))
	if reached == 0 {
		t.Fatalf("the survivors never had the shared limit's %d connections open within lease_ttl %v + %v (peak %d, %d opened; c held %d leases, the last expiring %v after the kill)",
			fleetLimit, ttl, margin, peak, opened, held, freed.Sub(killed))
	}
	if peak > fleetLimit {
		t.Errorf("%d connections open at once after the kill, over the shared limit %d", peak, fleetLimit)
	}
	// Reaching the limit needs all of c's slots back: the 4th connection
	// cannot open before the last of c's leases expired (50 ms: Redis's
	// clock and the test's read a round trip apart).
	if held > 0 && killed.Add(reached).Before(freed.Add(-50*time.Millisecond)) {
		t.Errorf("the survivors reached %d connections %v after the kill, before c's %d leases expired (%v after it)",
			fleetLimit, reached, held, freed.Sub(killed))
	}
	if held == 0 {
		// c gave its last slot back between the check and the kill.
		t.Logf("c held no lease at its death: the limit reached says nothing of expiry in this run")
	}
	t.Logf("survivors at the full shared limit %v after the kill; c's %d leases expired %v after it (lease_ttl %v)",
		reached, held, freed.Sub(killed), ttl)
}
