// Command smtpload is an SMTP load generator: -c parallel sessions submit
// -n messages of about -size bytes to -addr, each session keeping its
// connection and sending message after message as applications do (MAIL,
// RCPT, DATA each time; RFC 5321 §3.3). It reports accepted messages per
// second and the latency of each transaction, from MAIL sent to the final
// reply to DATA (RFC 5321 §4.1.1.4) received.
//
// It prints a human summary, then one JSON line:
//
//	{"sent":…,"accepted":…,"errors":{"451":…},"elapsed_s":…,"accepted_per_s":…,
//	 "p50_ms":…,"p90_ms":…,"p99_ms":…,"max_ms":…,"start_unix_ns":…,"end_unix_ns":…}
//
// Errors (by reply code, or "conn" and "timeout") do not stop the run; the
// -timeout on the whole run does. Exit status: 0 when every message was
// attempted, 1 when the run timed out, 2 on bad flags.
//
// Usage:
//
//	smtpload -addr 127.0.0.1:2587 -n 20000 -c 20 -size 5000 \
//	    -from bench@bench.example -rcpt-domain sink.example [-auth user:pass] \
//	    [-rate 500] [-domains 50]
//
// With -rate, message i is not started before i/rate seconds after the
// start: a steady rate as long as the sessions keep up (a soak test's
// load). With -domains K, message i goes to rcpt<i>@d<i mod K>.<rcpt-domain>.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	addr       string
	n, c, size int
	from       string
	rcptDomain string
	auth       string
	timeout    time.Duration
	opTimeout  time.Duration
	rate       float64 // messages per second in all; 0: as fast as possible
	domains    int     // >1: recipients spread over d<k>.<rcpt-domain>
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("smtpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:2587", "SMTP server host:port")
	fs.IntVar(&o.n, "n", 1000, "messages to send in all")
	fs.IntVar(&o.c, "c", 10, "concurrent sessions")
	fs.IntVar(&o.size, "size", 5000, "approximate message size in bytes (headers and body)")
	fs.StringVar(&o.from, "from", "bench@bench.example", "envelope and header sender")
	fs.StringVar(&o.rcptDomain, "rcpt-domain", "sink.example", "recipients are rcpt<i>@this domain")
	fs.StringVar(&o.auth, "auth", "", "user:pass: STARTTLS (any certificate) then AUTH PLAIN; empty: neither")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "bound on the whole run")
	fs.DurationVar(&o.opTimeout, "op-timeout", time.Minute, "bound on each connection set-up and each reply")
	fs.Float64Var(&o.rate, "rate", 0, "steady rate, messages per second over all sessions (message i starts no earlier than i/rate); 0: as fast as possible")
	fs.IntVar(&o.domains, "domains", 1, "spread recipients over this many domains d<k>.<rcpt-domain> (1: all at rcpt-domain)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.n < 1 || o.n > 100_000_000:
		return o, errors.New("-n: want 1..100000000")
	case o.c < 1 || o.c > 10_000:
		return o, errors.New("-c: want 1..10000")
	case o.size < 1 || o.size > 64<<20:
		return o, errors.New("-size: want 1..67108864 bytes")
	case o.rate < 0 || o.rate > 1e6:
		return o, errors.New("-rate: want 0..1000000 messages per second")
	case o.domains < 1 || o.domains > 100_000:
		return o, errors.New("-domains: want 1..100000")
	case o.timeout <= 0 || o.opTimeout <= 0:
		return o, errors.New("-timeout and -op-timeout must be positive")
	case !strings.Contains(o.from, "@") || strings.ContainsAny(o.from, " <>\r\n"):
		return o, fmt.Errorf("-from: not an address: %q", o.from)
	case o.rcptDomain == "" || strings.ContainsAny(o.rcptDomain, " @<>\r\n"):
		return o, fmt.Errorf("-rcpt-domain: not a domain: %q", o.rcptDomain)
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return o, fmt.Errorf("-addr: %w", err)
	}
	if o.auth != "" {
		user, _, ok := strings.Cut(o.auth, ":")
		if !ok || user == "" {
			return o, errors.New("-auth: want user:pass")
		}
	}
	return o, nil
}

// report is the JSON line; the field names are what bench/run.sh reads.
type report struct {
	Sent         int            `json:"sent"`
	Accepted     int            `json:"accepted"`
	Errors       map[string]int `json:"errors"`
	ElapsedS     float64        `json:"elapsed_s"`
	AcceptedPerS float64        `json:"accepted_per_s"`
	P50Ms        float64        `json:"p50_ms"`
	P90Ms        float64        `json:"p90_ms"`
	P99Ms        float64        `json:"p99_ms"`
	MaxMs        float64        `json:"max_ms"`
	StartUnixNs  int64          `json:"start_unix_ns"`
	EndUnixNs    int64          `json:"end_unix_ns"`
	TimedOut     bool           `json:"timed_out"`
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "smtpload: %v\n", err)
		}
		return 2
	}
	cfg := &loadConfig{addr: o.addr, n: o.n, from: o.from, opTimeout: o.opTimeout,
		msgs: newMessages(o.from, o.rcptDomain, o.size, o.n, o.domains)}
	if o.auth != "" {
		cfg.user, cfg.pass, _ = strings.Cut(o.auth, ":")
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	var next atomic.Int64
	sessions := make([]*session, min(o.c, o.n))
	var wg sync.WaitGroup
	start := time.Now()
	if o.rate > 0 {
		cfg.start, cfg.interval = start, time.Duration(float64(time.Second)/o.rate)
	}
	for i := range sessions {
		s := &session{cfg: cfg, next: &next}
		sessions[i] = s
		wg.Go(func() { s.run(ctx) })
	}
	wg.Wait()
	end := time.Now()

	r := merge(sessions, start, end)
	r.TimedOut = ctx.Err() != nil
	printSummary(stdout, o, r)
	line, err := json.Marshal(r)
	if err != nil {
		fmt.Fprintf(stderr, "smtpload: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", line)
	if r.TimedOut {
		return 1
	}
	return 0
}

// merge adds up the sessions' tallies into the report.
func merge(sessions []*session, start, end time.Time) report {
	r := report{Errors: map[string]int{}, StartUnixNs: start.UnixNano(), EndUnixNs: end.UnixNano()}
	var lat []time.Duration
	for _, s := range sessions {
		r.Sent += s.t.sent
		r.Accepted += s.t.accepted
		for k, v := range s.t.errors {
			r.Errors[k] += v
		}
		lat = append(lat, s.t.latencies...)
	}
	r.ElapsedS = end.Sub(start).Seconds()
	if r.ElapsedS > 0 {
		r.AcceptedPerS = float64(r.Accepted) / r.ElapsedS
	}
	slices.Sort(lat)
	r.P50Ms = ms(percentile(lat, 0.50))
	r.P90Ms = ms(percentile(lat, 0.90))
	r.P99Ms = ms(percentile(lat, 0.99))
	r.MaxMs = ms(percentile(lat, 1))
	return r
}

// percentile is the nearest-rank percentile p (0 < p ≤ 1) of sorted d.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func printSummary(w io.Writer, o options, r report) {
	errs := "none"
	if len(r.Errors) > 0 {
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s×%d", k, r.Errors[k])
		}
		errs = strings.Join(parts, " ")
	}
	status := ""
	if r.TimedOut {
		status = " (TIMED OUT)"
	}
	fmt.Fprintf(w, "smtpload: %s, %d sessions, ~%d bytes/message%s\n", o.addr, o.c, o.size, status)
	fmt.Fprintf(w, "  sent %d, accepted %d, errors: %s\n", r.Sent, r.Accepted, errs)
	fmt.Fprintf(w, "  %.2f s, %.0f accepted msgs/s\n", r.ElapsedS, r.AcceptedPerS)
	fmt.Fprintf(w, "  latency MAIL→250: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs)
}
