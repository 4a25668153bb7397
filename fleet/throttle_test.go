package fleet

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
)

func client(t *testing.T, srv *redistest.Server, id string) *Client {
	t.Helper()
	c, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Timeout: 300 * time.Millisecond,
		Heartbeat: 50 * time.Millisecond, NodeTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestLeasesNeverExceedTheLimitAcrossNodes(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	const limit = 4
	var cur, peak, taken atomic.Int64
	var wg sync.WaitGroup
	for n := range 3 {
		l := client(t, srv, "n"+strconv.Itoa(n)).Leases(5 * time.Second)
		for range 6 {
			wg.Go(func() {
				for range 40 {
					ls, ok, err := l.Acquire(t.Context(), "10.0.0.1|gmail", limit)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						continue
					}
					taken.Add(1)
					v := cur.Add(1)
					for p := peak.Load(); v > p && !peak.CompareAndSwap(p, v); p = peak.Load() {
					}
					time.Sleep(time.Millisecond) // hold it a moment: churn, not a constant waited out
					cur.Add(-1)
					ls.Release(t.Context())
				}
			})
		}
	}
	wg.Wait()
	if p := peak.Load(); p > limit || p < 2 {
		t.Fatalf("peak concurrent leases = %d, want ≤ %d (and contention reached)", p, limit)
	}
	if taken.Load() == 0 {
		t.Fatal("no lease taken")
	}
}

func TestCrashedNodesLeasesComeBackAfterTTL(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	crashed := client(t, srv, "crashed").Leases(300 * time.Millisecond)
	// The live node's TTL leaves its renewals (every TTL/3) room on a
	// loaded machine; the crashed node's is short, to keep the test quick.
	renewing := client(t, srv, "alive").Leases(time.Second)
	other := client(t, srv, "other").Leases(300 * time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go renewing.Run(ctx)
	go other.Run(ctx)

	const key, limit = "10.0.0.2|yahoo", 3
	for range 2 {
		if _, ok, err := crashed.Acquire(t.Context(), key, limit); !ok || err != nil {
			t.Fatalf("crashed node's acquire: %v %v", ok, err)
		}
	}
	if _, ok, err := renewing.Acquire(t.Context(), key, limit); !ok || err != nil {
		t.Fatalf("renewing node's acquire: %v %v", ok, err)
	}
	if _, ok, _ := other.Acquire(t.Context(), key, limit); ok {
		t.Fatal("a fourth slot of three was granted")
	}
	// The crashed node neither releases nor renews: its two slots come
	// back after the TTL; the renewing node's stays held.
	waitFor(t, 3*time.Second, "crashed slots reclaimed", func() bool {
		_, ok, _ := other.Acquire(t.Context(), key, limit)
		return ok
	})
	// The crashed node's second lease was taken a moment after its first:
	// it expires a moment later.
	waitFor(t, 3*time.Second, "second crashed slot reclaimed", func() bool {
		_, ok, _ := other.Acquire(t.Context(), key, limit)
		return ok
	})
	time.Sleep(1300 * time.Millisecond) // past the live lease's TTL: renewals must have kept it
	if _, ok, _ := other.Acquire(t.Context(), key, limit); ok {
		t.Fatal("the renewing node's lease expired")
	}
}

func TestRateHoldsFleetWide(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	const perSecond, window = 100.0, time.Second
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for n := range 3 {
		r := client(t, srv, "r"+strconv.Itoa(n)).Rate()
		wg.Go(func() {
			for time.Since(start) < window {
				ok, retry, err := r.Allow(t.Context(), "10.0.0.3|outlook", perSecond, 5)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					allowed.Add(1)
				} else if retry <= 0 || retry > time.Second {
					t.Errorf("retryAfter %v", retry)
					return
				}
			}
		})
	}
	wg.Wait()
	got := float64(allowed.Load())
	want := perSecond*time.Since(start).Seconds() + 5
	if got < want*0.85 || got > want*1.1 {
		t.Fatalf("three nodes sent %v in %v, want about %v (fleet-wide)", got, time.Since(start), want)
	}
}

func TestDegradedShareThenSharedAgain(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cs := []*Client{client(t, srv, "d0"), client(t, srv, "d1"), client(t, srv, "d2")}
	for _, c := range cs {
		go c.Heartbeat(ctx, func() int { return 7 })
	}
	waitFor(t, 3*time.Second, "3 live nodes seen", func() bool { return cs[0].LiveCount() == 3 })
	nodes, err := cs[0].Live(t.Context())
	if err != nil || len(nodes) != 3 || nodes[0].QueueDepth != 7 {
		t.Fatalf("Live = %+v, %v", nodes, err)
	}
	l := cs[0].Leases(5 * time.Second)
	r := cs[0].Rate()

	srv.Kill()
	const limit = 6 // share: 2 per node
	var got int
	for range 4 {
		if _, ok, err := l.Acquire(t.Context(), "k", limit); err != nil {
			t.Fatal(err)
		} else if ok {
			got++
		}
	}
	if got != 2 || cs[0].Healthy() {
		t.Fatalf("degraded: %d leases of %d (healthy=%v), want the share 2", got, limit, cs[0].Healthy())
	}
	if ok, _, err := r.Allow(t.Context(), "k", 30, 3); !ok || err != nil {
		t.Fatalf("degraded rate refused its first unit: %v", err)
	}
	if s := cs[0].Stats(); s.DegradedCalls == 0 || s.RedisErrors == 0 {
		t.Fatalf("stats %+v: want degraded calls and errors counted", s)
	}

	srv.RestartEmpty()
	waitFor(t, 3*time.Second, "leases shared again", func() bool {
		_, ok, _ := l.Acquire(t.Context(), "k2", limit)
		return ok && cs[0].Healthy()
	})
	if v, err := srv.Do(t.Context(), "ZCARD", "sluice:lease:k2"); err != nil || v == "0" {
		t.Fatalf("lease not in redis after recovery: %q %v", v, err)
	}
}

func TestBackoffIsShared(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := client(t, srv, "a").Backoff(time.Second)
	b := client(t, srv, "b").Backoff(time.Second)
	until := clock.Now().Add(time.Minute).Truncate(time.Millisecond)
	a.Report(t.Context(), "src|gmail", until)
	a.Report(t.Context(), "src|gmail", until.Add(-time.Second)) // earlier: ignored
	if got := b.Until(t.Context(), "src|gmail"); !got.Equal(until) {
		t.Fatalf("b sees backoff until %v, want %v", got, until)
	}
	if got := b.Until(t.Context(), "src|yahoo"); !got.IsZero() {
		t.Fatalf("unreported key backs off until %v", got)
	}
}
