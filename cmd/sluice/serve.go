package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"sluice/configs"
	"sluice/internal/logging"
)

// runServe implements `sluice serve [--config FILE]`: start every server,
// run until SIGINT or SIGTERM, then shut down cleanly and exit 0. SIGHUP
// reloads what n.reloads holds (certificates) and never stops the node.
func runServe(args []string, stdout, stderr io.Writer) int {
	hup := catchSIGHUP() // from the start: one during start-up waits (sighup.go)
	defer hup.stop()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "TOML config file (default: embedded defaults)")
	grace := fs.Duration("grace", 30*time.Second, "how long shutdown waits for transactions in progress")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := configs.LoadOrDefault(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	log, level, redactor := newLogger(cfg.Log, stderr)
	tuneGC()
	n, err := startNode(cfg, log, stdout, nodeOptions{logLevel: level, redactor: redactor})
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	if procs := tuneProcs(n.cgoRSA); procs > 0 {
		log.Info("GOMAXPROCS raised for RSA signing in OpenSSL (set GOMAXPROCS to choose)", "gomaxprocs", procs)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	hup.serve(n.reloads)
	code := 0
	select {
	case sig := <-sigs:
		log.Info("signal received", "signal", sig.String())
	case err := <-n.errc:
		log.Error("server failed", "err", err)
		code = 1
	}
	if err := n.shutdown(*grace); err != nil {
		log.Error("shutdown", "err", err)
		code = 1
	}
	return code
}

// tuneGC sets the garbage collector for a server whose live heap is small
// (tens of MB) but which allocates fast (sluice serve and sluice edge): each
// message is read, rewritten,
// signed and stored, ~60 KB of short-lived garbage, so at 3,000 msgs/s the
// default GOGC=100 collects about ten times a second. 400 lets the heap
// reach five times the live data between cycles, which measured 1-4% more
// dual-signed throughput (bench/RESULTS.md); the edge gains a few percent
// of requests per second too. GOGC in the environment takes
// precedence; operators who need a cap on the heap set GOMEMLIMIT.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// tuneProcs raises GOMAXPROCS when RSA signatures are made in OpenSSL,
// unless GOMAXPROCS is set, and returns the new value (0 if unchanged).
// A cgo call keeps its P for the ~0.26 ms of an RSA-2048 signature until
// sysmon hands it off, and goroutines readied meanwhile (the spool's
// committer back from fdatasync, sessions woken by a commit) wait on the
// global run queue. Spare Ps let Go code run on the cores the signing
// threads leave. Measured with DKIM dual signing on 2 cores
// (bench/RESULTS.md): +2.4 % throughput at 4 Ps, +1 % at 3, worse at 6.
// The extra Ps are capped at 4: only measured on a small machine, and a
// big one has Ps to spare. Setting GOMAXPROCS also stops the runtime from
// following a container's CPU limit as it changes; GOMAXPROCS in the
// environment keeps that.
func tuneProcs(cgoRSA bool) int {
	if !cgoRSA || os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	n := runtime.GOMAXPROCS(0)
	procs := n + min(n, maxExtraProcs)
	runtime.GOMAXPROCS(procs)
	return procs
}

// maxExtraProcs caps the Ps tuneProcs adds.
const maxExtraProcs = 4

// newLogger returns the JSON logger of cfg.Log (its level held in a
// variable that `sluice ctl log-level` changes at run time, its
// recipients redacted by log.recipients) and the level and redactor, for
// the node to wire.
func newLogger(c configs.Log, w io.Writer) (*slog.Logger, *slog.LevelVar, *logging.Redactor) {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.Level)) // validated by configs
	lv := new(slog.LevelVar)
	lv.Set(l)
	mode, _ := logging.ParseMode(c.Recipients) // validated by configs
	r := logging.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}), mode)
	return slog.New(r), lv, r
}
