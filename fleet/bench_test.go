package fleet

import (
	"strconv"
	"testing"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/queue"
)

// trips reports Redis round trips per op (commands and pipelines sent).
func trips(b *testing.B, c *Client, before uint64) {
	b.ReportMetric(float64(c.Stats().RoundTrips-before)/float64(b.N), "redis-trips/op")
}

func BenchmarkPublish(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	st, err := queue.Open(b.TempDir()+"/spool.db", queue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c, err := Open(b.Context(), Options{URL: srv.URL(), NodeID: "bench", Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := c.Replicator(st, ReplicatorOptions{})
	epoch := "e"
	if _, err := srv.Do(b.Context(), "SET", "sluice:epoch", epoch); err != nil {
		b.Fatal(err)
	}
	r.epoch.Store(&epoch)
	b.ReportAllocs()
	before := c.Stats().RoundTrips
	i := 0
	for b.Loop() {
		i++
		s := queue.Suppression{Tenant: "acme", Addr: "u" + strconv.Itoa(i) + "@x.example", Reason: "unsubscribe"}
		if err := r.Publish(b.Context(), []queue.Suppression{s}); err != nil {
			b.Fatal(err)
		}
	}
	trips(b, c, before)
	if d := r.Stats().OutboxDepth; d != 0 {
		b.Fatalf("outbox depth %d", d)
	}
}

func BenchmarkLeaseAcquireRelease(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	c, err := Open(b.Context(), Options{URL: srv.URL(), NodeID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	l := c.Leases(0)
	b.ReportAllocs()
	before := c.Stats().RoundTrips
	for b.Loop() {
		ls, ok, err := l.Acquire(b.Context(), "src|site", 10)
		if !ok || err != nil {
			b.Fatal(ok, err)
		}
		ls.Release(b.Context())
	}
	trips(b, c, before)
}

func BenchmarkRateAllow(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	c, err := Open(b.Context(), Options{URL: srv.URL(), NodeID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := c.Rate()
	b.ReportAllocs()
	before := c.Stats().RoundTrips
	for b.Loop() {
		if _, _, err := r.Allow(b.Context(), "src|site", 1e6, 1000); err != nil {
			b.Fatal(err)
		}
	}
	trips(b, c, before)
}
