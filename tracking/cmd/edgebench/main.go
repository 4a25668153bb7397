// Command edgebench runs the tracking edge for load tests (wrk, hey, ab)
// with a throwaway keyring and a temporary event store, next to a bare
// fasthttp server that answers the same bytes with no work (the ceiling),
// so that the edge's cost can be read off as a ratio measured in one run.
//
//	go run ./tracking/cmd/edgebench -dir /tmp/edgebench
//	EDGEBENCH_PATHS=/tmp/edgebench/opens.txt wrk -t2 -c64 -d10s --latency \
//	    -s tracking/cmd/edgebench/rotate.lua http://127.0.0.1:8091   # ceiling
//	EDGEBENCH_PATHS=/tmp/edgebench/opens.txt wrk -t2 -c64 -d10s --latency \
//	    -s tracking/cmd/edgebench/rotate.lua http://127.0.0.1:8090   # edge
//
// It writes opens.txt and clicks.txt (one request path per line, one
// recipient each) into -dir, prints a sample URL of each, and on SIGINT or
// SIGTERM shuts down, flushes the events and prints how many were recorded,
// written and dropped.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/internal/ceiling"
	"sluice/tracking/token"
)

func main() {
	edgeAddr := flag.String("listen", "127.0.0.1:8090", "edge address")
	bareAddr := flag.String("ceiling", "127.0.0.1:8091", "address of the bare fasthttp ceiling (empty: none)")
	dir := flag.String("dir", "", "directory for the event store and path lists (default: a temporary one)")
	n := flag.Int("n", 1000, "tokens (recipients) per kind")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// As sluice serve and sluice edge run; the ceiling shares the
		// process and so the setting.
		debug.SetGCPercent(400)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "edgebench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*edgeAddr, *bareAddr, *dir, *n); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "edgebench:", err)
		os.Exit(1)
	}
}

// nopSuppressor accepts unsubscribes and forgets them.
type nopSuppressor struct{}

func (nopSuppressor) Suppress(context.Context, queue.Suppression) error { return nil }

const dest = "https://shop.example/spring-sale?utm_source=newsletter&utm_medium=email&utm_campaign=spring#top"

func run(edgeAddr, bareAddr, dir string, n int) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "edgebench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	kr, err := token.NewKeyring(token.Key{ID: 1, Secret: secret})
	if err != nil {
		return err
	}
	store, err := events.Open(filepath.Join(dir, "events.db"), events.Options{})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	edge, err := tracking.New(tracking.Config{Keyring: kr, Events: store, Suppressor: nopSuppressor{}, Logger: log})
	if err != nil {
		return err
	}

	opens, clicks, err := writePaths(kr, store, dir, n)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", edgeAddr)
	if err != nil {
		return err
	}
	served := make(chan error, 2)
	go func() { served <- edge.Serve(ln) }()
	var bare *fasthttp.Server
	if bareAddr != "" {
		bln, err := net.Listen("tcp", bareAddr)
		if err != nil {
			return err
		}
		bare = ceiling.Server(dest)
		go func() { served <- bare.Serve(bln) }()
	}
	fmt.Printf("edge     http://%s%s\n         http://%s%s\n", edgeAddr, opens[0], edgeAddr, clicks[0])
	if bare != nil {
		fmt.Printf("ceiling  http://%s (same paths)\n", bareAddr)
	}
	fmt.Printf("paths    %s, %s\n", filepath.Join(dir, "opens.txt"), filepath.Join(dir, "clicks.txt"))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := edge.Shutdown(sctx); err != nil {
		return err
	}
	if bare != nil {
		bare.ShutdownWithContext(sctx)
	}
	if err := store.Close(sctx); err != nil {
		return err
	}
	m, st := store.Metrics(), edge.Stats()
	fmt.Printf("edge: %d opens, %d clicks (%d machine), %d bad tokens\n",
		st.Opens+st.MachineOpens, st.Clicks+st.MachineClicks, st.MachineOpens+st.MachineClicks, st.BadToken)
	fmt.Printf("events: %d recorded, %d written in %d batches, %d dropped, %d lost\n",
		m.Recorded, m.Written, m.Batches, m.Dropped, m.Lost)
	return nil
}

// writePaths records one message accepted an hour ago with n recipients,
// seals an open and a click token for each, and writes their paths to
// dir/opens.txt and dir/clicks.txt for the load generator.
func writePaths(kr *token.Keyring, store *events.Store, dir string, n int) (opens, clicks []string, err error) {
	msg := uint64(time.Now().Add(-time.Hour).UnixMicro())
	store.Record(events.Event{Kind: events.KindSent, Tenant: "acme", Campaign: "bench", Message: msg})
	for i := range n {
		c := token.Claims{Kind: token.Open, Tenant: "acme", Message: msg, Rcpt: uint32(i), Issued: time.Now()}
		o, err := kr.Seal(c)
		if err != nil {
			return nil, nil, err
		}
		c.Kind, c.Link, c.URL = token.Click, 3, dest
		k, err := kr.Seal(c)
		if err != nil {
			return nil, nil, err
		}
		opens = append(opens, "/o/"+o+".gif")
		clicks = append(clicks, "/c/"+k)
	}
	for name, paths := range map[string][]string{"opens.txt": opens, "clicks.txt": clicks} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
			return nil, nil, err
		}
	}
	return opens, clicks, nil
}
