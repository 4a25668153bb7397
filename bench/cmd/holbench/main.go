// Command holbench measures head-of-line blocking and memory at scale: it
// queues many messages across many domains, a few of them slow, in a real
// `sluice serve` process, and reports whether the fast domains were
// delivered while the slow ones were still draining, and how much memory
// and disk sluice used for the queue.
//
// It runs everything on loopback: a DNS server (mta/mx/dnstest) where each
// domain dNNN.hol.test has its own MX host mx.dNNN.hol.test → 127.0.0.1 (so
// each domain is its own shaping site), a sink MX (mtatest.StartSink) whose
// Data hook sleeps -slow-delay for the slow domains and counts per domain,
// and the sluice binary given by -sluice, configured with a data dir under
// /var/tmp, trusted loopback submission and delivery to the sink. It submits
// -n messages over -c sessions, the slow domains' share (-slow-share) first,
// waits (at most -timeout) until every accepted fast-domain message arrived,
// then stops sluice with SIGTERM and checks that it exits 0.
//
// Output: a human summary on stdout, then one JSON line (see result).
//
// Usage:
//
//	holbench -sluice bench/out/sluice [-n 100000] [-domains 1000] [-slow 5] \
//	    [-slow-share 0.2] [-slow-delay 200ms] [-c 20] [-size 2000] [-timeout 5m]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	sluice    string
	n         int
	domains   int
	slow      int
	slowShare float64
	slowDelay time.Duration
	sessions  int
	size      int
	timeout   time.Duration
	keep      bool
	workDir   string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("holbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.sluice, "sluice", "bench/out/sluice", "the sluice binary to run")
	fs.IntVar(&o.n, "n", 100000, "messages to submit")
	fs.IntVar(&o.domains, "domains", 1000, "recipient domains, each its own site")
	fs.IntVar(&o.slow, "slow", 5, "how many of the domains are slow")
	fs.Float64Var(&o.slowShare, "slow-share", 0.2, "share of the messages for the slow domains (submitted first)")
	fs.DurationVar(&o.slowDelay, "slow-delay", 200*time.Millisecond, "the sink's delay per slow-domain message")
	fs.IntVar(&o.sessions, "c", 20, "parallel submission sessions")
	fs.IntVar(&o.size, "size", 2000, "approximate message size, bytes")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "bound on submission plus the wait for the fast domains")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (config, sluice's log, spool)")
	fs.StringVar(&o.workDir, "work", "/var/tmp", "parent of the work directory (on disk: fsync must cost what it costs)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.n < 1 || o.n > 10_000_000:
		return o, errors.New("-n: want 1..10000000")
	case o.domains < 2 || o.domains > 100_000:
		return o, errors.New("-domains: want 2..100000")
	case o.slow < 0 || o.slow >= o.domains:
		return o, errors.New("-slow: want 0..domains-1")
	case o.slowShare < 0 || o.slowShare >= 1:
		return o, errors.New("-slow-share: want [0, 1)")
	case o.slowDelay < 0 || o.slowDelay > time.Minute:
		return o, errors.New("-slow-delay: want 0..1m")
	case o.sessions < 1 || o.sessions > 1000:
		return o, errors.New("-c: want 1..1000")
	case o.size < 200 || o.size > 1<<20:
		return o, errors.New("-size: want 200..1048576")
	case o.timeout <= 0 || o.timeout > time.Hour:
		return o, errors.New("-timeout: want (0, 1h]")
	}
	return o, nil
}

// result is the JSON line. Times are seconds from the start of submission.
type result struct {
	N               int     `json:"n"`
	Domains         int     `json:"domains"`
	SlowDomains     int     `json:"slow_domains"`
	SlowDelayMs     float64 `json:"slow_delay_ms"`
	Sessions        int     `json:"sessions"`
	Size            int     `json:"size"`
	Accepted        int64   `json:"accepted"`
	AcceptedFast    int64   `json:"accepted_fast"`
	AcceptedSlow    int64   `json:"accepted_slow"`
	SubmitErrors    int64   `json:"submit_errors"`
	SubmitS         float64 `json:"submit_s"`
	SubmitPerS      float64 `json:"submit_per_s"`
	FastDoneS       float64 `json:"fast_done_s"`        // last fast-domain message arrived; 0 if not all did
	FastDelivered   int64   `json:"fast_delivered"`     // by then (or at the timeout)
	FastPerS        float64 `json:"fast_per_s"`         // fast_delivered / fast_done_s
	FastAtSubmitEnd int64   `json:"fast_at_submit_end"` // fast-domain messages delivered when submission ended
	FastDomainP50S  float64 `json:"fast_domain_done_p50_s"`
	FastDomainMaxS  float64 `json:"fast_domain_done_max_s"`
	SlowDelivered   int64   `json:"slow_delivered"` // when the fast ones were done
	SlowDeliveredPS float64 `json:"slow_per_s"`
	PeakRSSMB       float64 `json:"peak_rss_mb"` // max VmHWM of sluice
	RSSAtSubmitMB   float64 `json:"rss_at_submit_end_mb"`
	PeakAnonMB      float64 `json:"peak_rss_anon_mb"` // heap, stacks
	PeakFileMB      float64 `json:"peak_rss_file_mb"` // mapped files (bbolt's mmap of the spool)
	PeakSpoolMB     float64 `json:"peak_spool_mb"`    // data dir, allocated blocks
	SpoolAtEndMB    float64 `json:"spool_at_end_mb"`
	SluiceExit      int     `json:"sluice_exit"`
	StopS           float64 `json:"stop_s"`
	TimedOut        bool    `json:"timed_out"`
	LoadStart       string  `json:"load_start"`
	LoadEnd         string  `json:"load_end"`
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "holbench: %v\n", err)
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := bench(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "holbench: %v\n", err)
	}
	if res == nil {
		return 1
	}
	printSummary(stdout, res)
	line, _ := json.Marshal(res)
	fmt.Fprintf(stdout, "%s\n", line)
	if err != nil || res.TimedOut || res.SluiceExit != 0 || res.SubmitErrors > 0 {
		return 1
	}
	return 0
}

// bench runs one measurement; the result may be partial when err != nil.
func bench(ctx context.Context, o options, logw io.Writer) (*result, error) {
	res := &result{N: o.n, Domains: o.domains, SlowDomains: o.slow, Sessions: o.sessions, Size: o.size,
		SlowDelayMs: float64(o.slowDelay) / float64(time.Millisecond), LoadStart: machineLoad()}
	work, err := os.MkdirTemp(o.workDir, "holbench.")
	if err != nil {
		return nil, err
	}
	if o.keep {
		fmt.Fprintf(logw, "holbench: work directory %s (kept)\n", work)
	} else {
		defer os.RemoveAll(work)
	}

	w, err := startWorld(o)
	if err != nil {
		return nil, err
	}
	defer w.close()

	p, err := startSluice(ctx, o, w, work, logw)
	if err != nil {
		return nil, err
	}
	defer p.kill() // a no-op once it exited
	mon := startMonitor(p.pid(), filepath.Join(work, "data"))
	defer mon.stop()

	deadline := time.Now().Add(o.timeout)
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	start := time.Now()
	w.start = start
	fmt.Fprintf(logw, "holbench: submitting %d messages (%d to %d slow domains first) over %d sessions\n",
		o.n, w.slowMsgs, o.slow, o.sessions)
	sub := submitAll(dctx, o, w, p.submitAddr)
	res.SubmitS = time.Since(start).Seconds()
	res.Accepted, res.AcceptedFast, res.AcceptedSlow, res.SubmitErrors = sub.accepted(), sub.fast.Load(), sub.slow.Load(), sub.errors.Load()
	res.SubmitPerS = float64(res.Accepted) / res.SubmitS
	res.FastAtSubmitEnd = w.fastCount.Load()
	res.RSSAtSubmitMB = mb(mon.rssNow())
	fmt.Fprintf(logw, "holbench: submitted %d in %.1f s (%d errors); %d fast-domain messages delivered so far\n",
		res.Accepted, res.SubmitS, res.SubmitErrors, res.FastAtSubmitEnd)

	// Wait for every accepted fast-domain message (bounded by the
	// deadline; a 100 ms poll).
	tick := time.NewTicker(100 * time.Millisecond)
	for w.fastCount.Load() < res.AcceptedFast && dctx.Err() == nil {
		select {
		case <-tick.C:
		case <-dctx.Done():
		}
	}
	tick.Stop()
	res.FastDelivered = w.fastCount.Load()
	res.SlowDelivered = w.slowCount.Load()
	if res.FastDelivered >= res.AcceptedFast && res.AcceptedFast > 0 {
		res.FastDoneS = w.fastLast().Sub(start).Seconds()
		res.FastPerS = float64(res.FastDelivered) / res.FastDoneS
		res.SlowDeliveredPS = float64(res.SlowDelivered) / res.FastDoneS
	} else {
		res.TimedOut = true
		fmt.Fprintf(logw, "holbench: gave up: %d of %d fast-domain messages delivered after %.0f s\n",
			res.FastDelivered, res.AcceptedFast, time.Since(start).Seconds())
	}
	res.FastDomainP50S, res.FastDomainMaxS = w.fastDomainDone()
	res.SpoolAtEndMB = mb(mon.spoolNow())

	t0 := time.Now()
	res.SluiceExit = p.terminate(60 * time.Second)
	res.StopS = time.Since(t0).Seconds()
	mon.stop()
	res.PeakRSSMB, res.PeakSpoolMB = mb(mon.peakRSS()), mb(mon.peakSpool())
	res.PeakAnonMB, res.PeakFileMB = mb(mon.peakAnon()), mb(mon.peakFile())
	res.LoadEnd = machineLoad()
	return res, ctx.Err()
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

func printSummary(w io.Writer, r *result) {
	fmt.Fprintf(w, "holbench: %d messages of ~%d bytes, %d domains (%d slow at %.0f ms/message), %d sessions\n",
		r.N, r.Size, r.Domains, r.SlowDomains, r.SlowDelayMs, r.Sessions)
	fmt.Fprintf(w, "  submitted   %d (fast %d, slow %d, errors %d) in %.1f s: %.0f msgs/s\n",
		r.Accepted, r.AcceptedFast, r.AcceptedSlow, r.SubmitErrors, r.SubmitS, r.SubmitPerS)
	if r.TimedOut {
		fmt.Fprintf(w, "  fast done   NOT within the timeout: %d of %d fast-domain messages delivered\n", r.FastDelivered, r.AcceptedFast)
	} else {
		fmt.Fprintf(w, "  fast done   all %d fast-domain messages delivered at %.1f s: %.0f msgs/s\n", r.FastDelivered, r.FastDoneS, r.FastPerS)
	}
	fmt.Fprintf(w, "  per fast domain, last message at: median %.1f s, max %.1f s; %d fast delivered when submission ended\n",
		r.FastDomainP50S, r.FastDomainMaxS, r.FastAtSubmitEnd)
	fmt.Fprintf(w, "  slow by then %d of %d (%.0f msgs/s)\n", r.SlowDelivered, r.AcceptedSlow, r.SlowDeliveredPS)
	fmt.Fprintf(w, "  sluice      peak RSS (VmHWM) %.0f MB (%.0f MB when submission ended); spool on disk peak %.0f MB, %.0f MB at the end\n",
		r.PeakRSSMB, r.RSSAtSubmitMB, r.PeakSpoolMB, r.SpoolAtEndMB)
	fmt.Fprintf(w, "              of which (peaks, sampled) anonymous %.0f MB, file-backed %.0f MB (the spool's mmap)\n", r.PeakAnonMB, r.PeakFileMB)
	fmt.Fprintf(w, "  SIGTERM     exit %d after %.1f s\n", r.SluiceExit, r.StopS)
	fmt.Fprintf(w, "  machine     start: %s; end: %s\n", r.LoadStart, r.LoadEnd)
}
