package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"sluice/configs"
	"sluice/dkim/openssl"
	"sluice/internal/reload"
)

// runServe implements `sluice serve [--config FILE]`: start every server,
// run until SIGINT or SIGTERM, then shut down cleanly and exit 0. SIGHUP
// reloads what n.reloads holds (certificates) and never stops the node.
func runServe(args []string, stdout, stderr io.Writer) int {
	hup := reload.CatchSIGHUP() // from the start: one during start-up waits for the registry
	defer hup.Stop()
	var grace *time.Duration
	usage := "TOML config file (default: embedded defaults)"
	cfg, configPath, ok := loadConfig("serve", usage, args, stderr, func(fs *flag.FlagSet) {
		grace = fs.Duration("grace", 30*time.Second, "how long shutdown waits for transactions in progress")
	})
	if !ok {
		return 2
	}
	log, level, redactor := cfg.Log.Logger(stderr)
	n, err := startNode(cfg, log, stdout, nodeOptions{logLevel: level, redactor: redactor, configPath: configPath})
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 1
	}
	if procs := openssl.RaiseProcs(n.cgoRSA); procs > 0 { // unless GOMAXPROCS is set
		log.Info("GOMAXPROCS raised for RSA signing in OpenSSL (set GOMAXPROCS to choose)", "gomaxprocs", procs)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	hup.Serve(n.reloads)
	code := 0
	select {
	case sig := <-sigs:
		log.Info("signal received", "signal", sig.String())
	case err := <-n.life.Failed():
		log.Error("server failed", "err", err)
		code = 1
	}
	if err := n.shutdown(*grace); err != nil {
		log.Error("shutdown", "err", err)
		code = 1
	}
	return code
}

// loadConfig parses the flags of command (--config, described by
// usage, and those more adds), loads the config and tunes the garbage
// collector (tuneGC); ok is false (exit status 2) when the flags or the
// config are wrong.
func loadConfig(command, usage string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (
	_ *configs.Config, path string, ok bool) {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&path, "config", "", usage)
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", false
	}
	cfg, err := configs.LoadOrDefault(path)
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return nil, "", false
	}
	tuneGC()
	return cfg, path, true
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
