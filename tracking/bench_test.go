package tracking_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/internal/ceiling"
	"sluice/tracking/token"
)

// benchEdge is an edge with a real event store (fsync on) and real clock.
func benchEdge(b *testing.B) (*tracking.Edge, *events.Store, *token.Keyring) {
	b.Helper()
	store, err := events.Open(b.TempDir()+"/events.db", events.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close(context.Background()) })
	kr := testKeyring(b, 1, "edge bench secret, 32 bytes long")
	e, err := tracking.New(tracking.Config{
		Keyring:    kr,
		Events:     store,
		Suppressor: &suppressor{},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return e, store, kr
}

// benchPaths returns n pixel or click paths, one per recipient of a message
// accepted an hour ago.
func benchPaths(b *testing.B, kr *token.Keyring, kind token.Kind, n int) []string {
	b.Helper()
	msg := uint64(time.Now().Add(-time.Hour).UnixMicro())
	paths := make([]string, n)
	for i := range paths {
		c := token.Claims{Kind: kind, Tenant: "acme", Message: msg, Rcpt: uint32(i), Issued: time.Now()}
		if kind == token.Click {
			c.Link = 3
			c.URL = "https://shop.example/spring-sale?utm_source=newsletter&utm_medium=email&utm_campaign=spring#top"
		}
		tok, err := kr.Seal(c)
		if err != nil {
			b.Fatal(err)
		}
		if kind == token.Open {
			paths[i] = "/o/" + tok + ".gif"
		} else {
			paths[i] = "/c/" + tok
		}
	}
	return paths
}

// checkRecorded flushes the store, reports drops, and with strict fails if
// an event was dropped.
func checkRecorded(b *testing.B, store *events.Store, strict bool) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := store.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	m := store.Metrics()
	b.ReportMetric(float64(m.Dropped), "dropped")
	if m.Batches > 0 {
		b.Logf("events: %d written in %d batches (%.0f per batch), %d dropped", m.Written, m.Batches, float64(m.Written)/float64(m.Batches), m.Dropped)
	}
	if strict && (m.Dropped != 0 || m.Lost != 0 || m.Written != m.Recorded) {
		b.Errorf("events not all recorded: %+v", m)
	}
}

// benchHandler calls the handler directly, with a request context per
// goroutine.
func benchHandler(b *testing.B, kind token.Kind) {
	e, store, kr := benchEdge(b)
	paths := benchPaths(b, kr, kind, 1024)
	h := e.Handler()
	addr := &net.TCPAddr{IP: net.IPv4(198, 51, 100, 7), Port: 40000}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var req fasthttp.Request
		var ctx fasthttp.RequestCtx
		i := 0
		for pb.Next() {
			req.Reset()
			req.SetRequestURI(paths[i%len(paths)])
			req.Header.SetUserAgent(firefox)
			ctx.Init(&req, addr, nil)
			h(&ctx)
			if sc := ctx.Response.StatusCode(); sc != 200 && sc != 302 {
				b.Errorf("status %d", sc)
				return
			}
			i++
		}
	})
	b.StopTimer()
	// Without a network in between, two cores of handlers outrun one
	// writer: drops are expected here, and reported.
	checkRecorded(b, store, false)
}

// BenchmarkOpenHandler is the pixel handler alone, events recorded.
func BenchmarkOpenHandler(b *testing.B) { benchHandler(b, token.Open) }

// BenchmarkClickHandler is the click handler alone, events recorded.
func BenchmarkClickHandler(b *testing.B) { benchHandler(b, token.Click) }

// loadResult is one loopback run.
type loadResult struct {
	rps float64
	p99 time.Duration
}

// serveBench serves h on a loopback listener with the edge's settings and
// returns its address.
func serveBench(b *testing.B, serve func(net.Listener) error, shutdown func(context.Context) error) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { serve(ln); close(done) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// load runs b.N requests over keep-alive connections from 16 goroutines
// per CPU, and reports throughput and 99th percentile latency.
func load(b *testing.B, addr string, paths []string, status int) loadResult {
	b.Helper()
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: 256, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		local := make([]time.Duration, 0, 4096)
		i := 0
		for pb.Next() {
			req.SetRequestURI("http://" + addr + paths[i%len(paths)])
			req.Header.SetUserAgent(firefox)
			t := time.Now()
			err := hc.Do(req, resp)
			local = append(local, time.Since(t))
			if err != nil || resp.StatusCode() != status {
				b.Errorf("%v, status %d", err, resp.StatusCode())
				return
			}
			i++
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	r := loadResult{rps: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		r.p99 = lat[len(lat)*99/100]
	}
	b.ReportMetric(r.rps, "req/s")
	b.ReportMetric(float64(r.p99.Microseconds()), "p99-µs")
	return r
}

// BenchmarkEdgeLoopback serves opens and clicks over a real loopback
// listener, with events recorded to a real store, next to a bare fasthttp
// server that answers the same bytes with no work (the ceiling), in the same
// run, and logs the ratios. The target: at least 80% of the
// ceiling's throughput, p99 at most 1.5 times the ceiling's, nothing
// dropped.
func BenchmarkEdgeLoopback(b *testing.B) {
	e, store, kr := benchEdge(b)
	edgeAddr := serveBench(b, e.Serve, e.Shutdown)
	opens := benchPaths(b, kr, token.Open, 1024)
	clicks := benchPaths(b, kr, token.Click, 1024)
	dest := "https://shop.example/spring-sale?utm_source=newsletter&utm_medium=email&utm_campaign=spring#top"

	bare := ceiling.Server(dest) // the edge's settings, no work
	bareAddr := serveBench(b, bare.Serve, bare.ShutdownWithContext)

	var res [4]loadResult
	b.Run("ceiling-open", func(b *testing.B) { res[0] = load(b, bareAddr, opens, 200) })
	b.Run("edge-open", func(b *testing.B) { res[1] = load(b, edgeAddr, opens, 200) })
	b.Run("ceiling-click", func(b *testing.B) { res[2] = load(b, bareAddr, clicks, 302) })
	b.Run("edge-click", func(b *testing.B) { res[3] = load(b, edgeAddr, clicks, 302) })
	checkRecorded(b, store, true)
	ratio := func(edge, ceil loadResult) string {
		if ceil.rps == 0 || ceil.p99 == 0 {
			return "n/a"
		}
		return fmt.Sprintf("throughput %.0f%% of ceiling (%.0f vs %.0f req/s), p99 %.2f× (%v vs %v)",
			100*edge.rps/ceil.rps, edge.rps, ceil.rps, float64(edge.p99)/float64(ceil.p99), edge.p99, ceil.p99)
	}
	b.Logf("open:  %s", ratio(res[1], res[0]))
	b.Logf("click: %s", ratio(res[3], res[2]))
}
