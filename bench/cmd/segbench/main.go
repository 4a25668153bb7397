// Command segbench answers the question issue 19 leaves open: should the
// spool keep message bodies in bbolt (today) or in append-only segment
// files fsync'd in the same group commit? It reproduces the spool's write
// path outside the queue package for both designs and measures them at
// each size, in interleaved rounds:
//
//   - A, today's: one bbolt transaction per group commit holds the message
//     record, recipient, schedule entries, journal entry, counters and the
//     body (queue.Store.Enqueue's puts, queue.Open's bbolt options);
//   - B, segments: each submitter appends its body to the active segment
//     file (rotated at -seg-mb); the group committer fdatasyncs the
//     segments its batch wrote to, then commits the same bbolt transaction
//     with a (segment, offset, length) instead of the body. A delivered
//     message's record is deleted and its segment's live count drops; a
//     segment with none left is removed whole. Segments left sparse by
//     deferred mail can be compacted (live bodies copied forward).
//
// Each run fills a queue -depth-mb deep, then pushes -cycles times as much
// through it (submissions and deliveries at once, -defer of the mail
// deferred, as to a site that is down), compacts (B), and drains. It
// reports committed msgs/s, fsyncs and bytes written per message
// (/proc/self/io write_bytes), the time to read a body back at delivery,
// and the disk the spool holds after each phase.
//
//	go run ./bench/cmd/segbench                      # 5 rounds, 5 KB and 100 KB
//	go run ./bench/cmd/segbench -rounds 1 -depth-mb 8 # a quick look
//	go run ./bench/cmd/segbench -queue               # the real spool, segments off and on
//
// With -queue it drives package queue itself (queuemode.go): Enqueue,
// Claim, BodyTo and Complete of a queue.Store with segments off (every
// body in bbolt) and on (its default), in the same interleaved rounds.
//
// Run it on a disk (the default directory is os.TempDir(); it refuses
// tmpfs): fsync must cost what it costs.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	var (
		o       runOptions
		sizes   string
		rounds  int
		depthMB int
		segMB   int
		timeout time.Duration
	)
	flag.StringVar(&sizes, "sizes", "5120,102400", "message sizes in bytes, comma-separated")
	flag.IntVar(&rounds, "rounds", 5, "rounds; each runs A and B at every size, in alternating order")
	flag.IntVar(&depthMB, "depth-mb", 32, "bodies queued at once, MB (the queue's depth)")
	flag.IntVar(&o.cycles, "cycles", 3, "churn: times the depth pushed through while delivering")
	flag.IntVar(&o.writers, "writers", 20, "concurrent submitters (SMTP sessions)")
	flag.IntVar(&o.deliverers, "deliverers", 20, "concurrent delivery workers")
	flag.Float64Var(&o.deferFrac, "defer", 0.01, "share of the churn's mail deferred until the drain")
	flag.Float64Var(&o.compactBelow, "compact-below", 0.5, "B: compact sealed segments with less than this share live (0: never)")
	flag.IntVar(&segMB, "seg-mb", 16, "B: segment file size, MB")
	flag.BoolVar(&o.spool.prealloc, "prealloc", false, "B: fallocate each segment whole when it is created")
	flag.IntVar(&o.spool.maxBatch, "max-batch", 512, "writes per group commit at most (queue.Options.MaxBatch)")
	flag.StringVar(&o.dir, "dir", os.TempDir(), "directory for the runs' files (on a disk, not tmpfs)")
	flag.DurationVar(&timeout, "timeout", 10*time.Minute, "stop after this long")
	realQueue := flag.Bool("queue", false, "measure the real spool (package queue) with segments off and on instead of this command's reproduction")
	flag.Parse()
	o.depthBytes = int64(depthMB) << 20
	o.spool.segMax = int64(segMB) << 20
	ss, err := parseSizes(sizes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "segbench:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	runner := run
	if *realQueue {
		runner = runQueueMode
	}
	if err := runner(ctx, o, ss, rounds); err != nil {
		fmt.Fprintln(os.Stderr, "segbench:", err)
		os.Exit(1)
	}
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 8 {
			return nil, fmt.Errorf("-sizes: %q is not a size of at least 8 bytes", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, o runOptions, sizes []int, rounds int) error {
	fsType, err := checkDisk(o.dir)
	if err != nil {
		return err
	}
	fmt.Printf("segbench: %s, %s, GOMAXPROCS %d, dir %s (fs type %#x), %d writers, %d deliverers, depth %d MB, %d cycles, defer %.1f%%, segments %d MB, prealloc %v\n",
		time.Now().UTC().Format(time.RFC3339), runtime.Version(), runtime.GOMAXPROCS(0), o.dir, fsType,
		o.writers, o.deliverers, o.depthBytes>>20, o.cycles, 100*o.deferFrac, o.spool.segMax>>20, o.spool.prealloc)
	var runs []result
	for round := 1; round <= rounds; round++ {
		for i, size := range sizes {
			order := []design{inBolt, inSegments}
			if (round+i)%2 == 0 {
				order = []design{inSegments, inBolt}
			}
			for _, d := range order {
				r, err := runOne(ctx, o, d, size)
				if err != nil {
					return fmt.Errorf("round %d, %s, %s: %w", round, d, sizeName(size), err)
				}
				printRun(os.Stdout, round, &r)
				runs = append(runs, r)
			}
		}
	}
	printSummary(os.Stdout, sizes, runs)
	return nil
}
