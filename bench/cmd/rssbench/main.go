// Command rssbench measures what sluice's memory returns to after a hostile
// submission: it starts `sluice serve` against a local DNS server and sink
// MX, submits a 30 MB message, a message to 10,000 recipients and a
// message with a 1 MB header, waits until the sink has every recipient,
// then samples the process's memory (/proc/PID/status: VmRSS, VmHWM,
// RssAnon, RssFile) and the Go heap (go_memstats_* from the admin
// /metrics) every second for -seconds, and prints a table.
//
//	go build -o /tmp/sluice ./cmd/sluice
//	go run ./bench/cmd/rssbench -sluice /tmp/sluice -seconds 180
//	go run ./bench/cmd/rssbench -sluice /tmp/sluice -env GOMEMLIMIT=96MiB
//
// Everything listens on loopback; sluice is killed when rssbench exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type options struct {
	sluice  string
	seconds int
	every   int
	size    int
	rcpts   int
	header  int
	env     []string
	keep    bool
}

// envFlag collects repeated -env NAME=VALUE.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, " ") }
func (e *envFlag) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("-env %q: want NAME=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	var o options
	var env envFlag
	flag.StringVar(&o.sluice, "sluice", "", "sluice binary (required: go build -o /tmp/sluice ./cmd/sluice)")
	flag.IntVar(&o.seconds, "seconds", 180, "how long to sample after delivery, s (the Go runtime forces a GC every 2 min)")
	flag.IntVar(&o.every, "every", 10, "print one row every this many seconds (every second is sampled)")
	flag.IntVar(&o.size, "size", 30<<20, "size of the large message, bytes")
	flag.IntVar(&o.rcpts, "rcpts", 10000, "recipients of the many-recipient message")
	flag.IntVar(&o.header, "header", 1<<20, "size of the large header, bytes")
	flag.Var(&env, "env", "NAME=VALUE added to sluice's environment (repeatable), e.g. GOMEMLIMIT=96MiB")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.Parse()
	o.env = env
	if o.sluice == "" || o.seconds <= 0 || o.every <= 0 || o.size <= 0 || o.rcpts <= 0 || o.header <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "rssbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	work, err := os.MkdirTemp("", "rssbench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	w, err := startWorld()
	if err != nil {
		return err
	}
	defer w.close()
	p, err := startSluice(ctx, o, w, work)
	if err != nil {
		return err
	}
	defer p.terminate(20 * time.Second)

	fmt.Printf("rssbench: sluice %s, env %q\n", o.sluice, o.env)
	idle, _ := p.sample()
	fmt.Printf("idle after start:  %s\n", idle)

	start := time.Now()
	for _, m := range hostile(o) {
		t0 := time.Now()
		err := m.submit(p.submitAddr)
		fmt.Printf("submitted %-28s %6.1f s  %v\n", m.name, time.Since(t0).Seconds(), replyOf(err))
		if err != nil && !isSMTPReply(err) {
			return fmt.Errorf("submit %s: %w", m.name, err)
		}
	}
	want := 0
	for _, m := range hostile(o) {
		want += len(m.to)
	}
	if got := w.waitRcpts(ctx, want, 10*time.Minute); got < want {
		return fmt.Errorf("the sink got %d of %d recipients in 10 min", got, want)
	}
	fmt.Printf("delivered %d recipients %.1f s after the first submission\n", want, time.Since(start).Seconds())

	fmt.Printf("\n%6s %8s %8s %8s %8s %10s %10s %10s %10s\n",
		"t (s)", "VmRSS", "VmHWM", "RssAnon", "RssFile", "HeapInuse", "HeapIdle", "HeapRels", "GoSys")
	fmt.Println(strings.Repeat("-", 86))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last, lowest sample
	for s := 0; s <= o.seconds; s++ {
		if s > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
		cur, err := p.sample()
		if err != nil {
			return err
		}
		if s == 0 || cur.rss < lowest.rss {
			lowest = cur
		}
		if s%o.every == 0 || s == o.seconds || cur.gcs != last.gcs && s > 0 {
			fmt.Printf("%6d %s\n", s, cur.row())
		}
		last = cur
	}
	fmt.Printf("\nlowest VmRSS while sampling: %s\n", lowest)
	fmt.Printf("spool.db on disk: %d MB\n", fileMB(filepath.Join(work, "data", "spool.db")))
	return nil
}

// replyOf shows a submission's result.
func replyOf(err error) string {
	if err == nil {
		return "250"
	}
	return err.Error()
}

func fileMB(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size() >> 20
}
