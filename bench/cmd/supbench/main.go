// Command supbench measures the suppression replica at scale: it fills a
// fresh spool (queue.Store, the node's own bbolt file) with suppressions
// for one tenant, in batched durable writes, and at 10 thousand and then
// at the full count (10 million by default) it prints the process's
// memory (/proc/self/status: RssAnon, RssFile, VmHWM), the spool file's
// size, the Go heap, and the latency of the RCPT-time check
// (Store.SuppressedFor) for random hits and misses (p50, p99, max).
//
//	go run ./bench/cmd/supbench                  # 10M, sorted fill
//	go run ./bench/cmd/supbench -n 1000000 -random
//
// Issue 13 asks the replica to hold 10 million suppressions per tenant
// within 500 MB per node, or to live on disk at the same speed. The spool
// is on disk: what matters is that anonymous memory stays flat and that a
// lookup in a 10M bucket costs what it costs in a 10k one. File pages
// (RssFile) are the kernel's page cache of the mmap, given back under
// memory pressure; they are reported apart.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"sluice/queue"
)

type options struct {
	n, small, batch, lookups int
	dir                      string
	random, keep             bool
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 10_000_000, "suppressions in the full set")
	flag.IntVar(&o.small, "small", 10_000, "suppressions at the first measurement")
	flag.IntVar(&o.batch, "batch", 50_000, "suppressions per durable write")
	flag.IntVar(&o.lookups, "lookups", 200_000, "lookups per measurement (half hits, half misses)")
	flag.StringVar(&o.dir, "dir", "", "directory of the spool (default: a temporary one, removed at exit)")
	flag.BoolVar(&o.random, "random", false, "insert in random order (as a resync from Redis's HSCAN would) instead of key order")
	flag.BoolVar(&o.keep, "keep", false, "keep the spool file")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "supbench:", err)
		os.Exit(1)
	}
}

const tenant = "bench"

// addr is the i-th suppressed address: zero-padded, so that key order is
// index order (a sorted fill appends to the B+tree).
func addr(i int) string { return fmt.Sprintf("user%09d@d%04d.example", i, i%5000) }

// miss is an address never suppressed.
func miss(i int) string { return fmt.Sprintf("other%09d@d%04d.example", i, i%5000) }

func run(ctx context.Context, o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "supbench-")
		if err != nil {
			return err
		}
		dir = d
		if !o.keep {
			defer os.RemoveAll(d)
		}
	}
	path := filepath.Join(dir, "spool.db")
	st, err := queue.Open(path, queue.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer st.Close()
	order := permutation{n: o.n, random: o.random}
	fmt.Printf("supbench: %d suppressions, tenant %q, batch %d, order %s, %s, GOMAXPROCS %d\n",
		o.n, tenant, o.batch, map[bool]string{false: "sorted", true: "random"}[o.random], runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Printf("%-12s %10s %10s %10s %10s %10s %10s %8s %8s %8s %8s %8s %8s\n", "set", "fill s", "file MB", "anon MB", "file-rss", "hwm MB", "heap MB",
		"hit p50", "hit p99", "hit max", "miss p50", "miss p99", "miss max")
	filled := 0
	var fillTime time.Duration
	for _, target := range []int{min(o.small, o.n), o.n} {
		// The small set is a prefix of the order: the same addresses' first
		// target entries, so hits at 10k are hits at 10M too.
		t0 := time.Now()
		if err := fill(ctx, st, order, filled, target, o.batch, t0); err != nil {
			return err
		}
		fillTime += time.Since(t0)
		filled = target
		runtime.GC()
		hit, mis := measure(st, order, filled, o.lookups)
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		mem := procStatus()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%-12d %10.1f %10.0f %10.0f %10.0f %10.0f %10.0f %8s %8s %8s %8s %8s %8s\n", filled, fillTime.Seconds(),
			float64(fi.Size())/1e6, mem["RssAnon"]/1024, mem["RssFile"]/1024, mem["VmHWM"]/1024, float64(ms.HeapInuse)/1e6,
			us(hit, 0.5), us(hit, 0.99), us(hit, 1), us(mis, 0.5), us(mis, 0.99), us(mis, 1))
	}
	// A node's restart: how long opening a spool of this size takes
	// (bbolt rebuilds its freelist at open, NoFreelistSync).
	if err := st.Close(); err != nil {
		return err
	}
	t0 := time.Now()
	st, err = queue.Open(path, queue.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	fmt.Printf("reopen of the %d-suppression spool: %.2f s\n", filled, time.Since(t0).Seconds())
	return st.Close()
}

// permutation is the order of insertion: index order, or a fixed
// pseudo-random permutation (i·p mod n, p a prime that does not divide
// n), without a table of n entries in memory.
type permutation struct {
	n      int
	random bool
}

const permPrime = 2_654_435_761 // Knuth's multiplicative constant, a prime

func (p permutation) at(i int) int {
	if !p.random || p.n%permPrime == 0 {
		return i
	}
	return int(uint64(i) * permPrime % uint64(p.n))
}

// fill suppresses the addresses order[from:to], batch per durable write,
// printing progress every million.
func fill(ctx context.Context, st *queue.Store, order permutation, from, to, batch int, t0 time.Time) error {
	created := time.Unix(1_700_000_000, 0)
	sups := make([]queue.Suppression, 0, batch)
	for i := from; i < to; {
		n := min(batch, to-i)
		sups = sups[:0]
		for k := i; k < i+n; k++ {
			sups = append(sups, queue.Suppression{Tenant: tenant, Addr: addr(order.at(k)), Scope: queue.ScopeMarketing,
				Reason: "unsubscribe", Source: "import", Created: created})
		}
		if err := st.SuppressMany(ctx, sups); err != nil {
			return fmt.Errorf("fill: %w", err)
		}
		if (i+n)/1_000_000 != i/1_000_000 {
			fmt.Fprintf(os.Stderr, "supbench: %d filled, %.0f s\n", i+n, time.Since(t0).Seconds())
		}
		i += n
	}
	return nil
}

// measure times n lookups, alternating a random suppressed address (a
// hit) and a random address never suppressed (a miss), as the RCPT check
// asks them (SuppressedFor, marketing stream).
func measure(st *queue.Store, order permutation, filled, n int) (hits, misses []time.Duration) {
	r := rand.New(rand.NewPCG(1, 2))
	hits, misses = make([]time.Duration, 0, n/2), make([]time.Duration, 0, n/2)
	for k := range n {
		var a string
		hit := k%2 == 0
		if hit {
			a = addr(order.at(r.IntN(filled)))
		} else {
			a = miss(r.IntN(1 << 30))
		}
		t0 := time.Now()
		_, blocked := st.SuppressedFor(tenant, a, queue.Marketing)
		d := time.Since(t0)
		if blocked != hit {
			panic(fmt.Sprintf("supbench: %s: blocked=%v, want %v", a, blocked, hit))
		}
		if hit {
			hits = append(hits, d)
		} else {
			misses = append(misses, d)
		}
	}
	slices.Sort(hits)
	slices.Sort(misses)
	return hits, misses
}

// us formats the q-quantile of sorted ds in µs.
func us(ds []time.Duration, q float64) string {
	if len(ds) == 0 {
		return "-"
	}
	i := min(len(ds)-1, int(q*float64(len(ds))))
	return fmt.Sprintf("%.1fµs", float64(ds[i].Nanoseconds())/1e3)
}

// procStatus reads the kB fields of /proc/self/status (Linux).
func procStatus() map[string]float64 {
	out := map[string]float64{}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var n float64
		if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &n); err == nil {
			out[k] = n
		}
	}
	return out
}
