package fleet

import (
	"strconv"
	"testing"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/mta/shaping"
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

// BenchmarkPolicyShared is shaping.Policy's hot path with the fleet's
// Throttles on a real redis-server against the single-node path (nil):
// AcquireConn+ReleaseConn per connection, Reserve per transaction.
func BenchmarkPolicyShared(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	c, err := Open(b.Context(), Options{URL: srv.URL(), NodeID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	th := c.Throttles(b.Context(), c.Leases(0), c.Rate(), c.Backoff(0))
	for _, tc := range []struct {
		name   string
		shared shaping.Shared
	}{{"nil", nil}, {"redis", th}} {
		p, err := shaping.New([]shaping.Rule{{Name: "default", MaxConnections: 1000, Rate: 1e6, Burst: 1000}},
			shaping.Options{Shared: tc.shared})
		if err != nil {
			b.Fatal(err)
		}
		k := shaping.Key{Source: "192.0.2.1", Site: p.Site("example.net", []string{"mx.example.net"})}
		b.Run("conn/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			before := c.Stats().RoundTrips
			for b.Loop() {
				if !p.AcquireConn(k) {
					b.Fatal("refused")
				}
				p.ReleaseConn(k)
			}
			trips(b, c, before)
		})
		b.Run("reserve/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			before := c.Stats().RoundTrips
			for b.Loop() {
				p.Reserve(k, 1)
			}
			trips(b, c, before)
		})
	}
}
