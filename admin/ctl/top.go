package ctl

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"time"

	"sluice/admin"
)

// TopView is one screen of `sluice ctl top`: the latest snapshot and the
// rates per second over the interval since the previous one (what --json
// prints, one document per refresh).
type TopView struct {
	admin.Top
	// IntervalSeconds is the node's clock between the two snapshots the
	// rates come from.
	IntervalSeconds float64 `json:"interval_seconds"`
	Rates           Rates   `json:"rates"`
	// RuleRates are the outcomes per second by the shaping rule
	// governing the receiving site, busiest first.
	RuleRates []RuleRate `json:"rule_rates"`
}

// RuleRate is one site rule's outcomes per second over the interval.
type RuleRate struct {
	Rule      string  `json:"rule"`
	Delivered float64 `json:"delivered_per_second"`
	Deferred  float64 `json:"deferred_per_second"`
	Failed    float64 `json:"failed_per_second"`
}

// Rates are per second over the interval.
type Rates struct {
	Accepted  float64 `json:"accepted_per_second"`
	Delivered float64 `json:"delivered_per_second"`
	Deferred  float64 `json:"deferred_per_second"`
	Failed    float64 `json:"failed_per_second"`
}

// clearScreen moves the cursor home and clears the terminal (ECMA-48 CUP
// and ED).
const clearScreen = "\x1b[H\x1b[2J"

// top shows a refreshing view of the node until interrupted, or one
// screen with --once. Each screen needs two snapshots: the first one is
// taken an interval before the first screen.
func top(c *client, args []string, o out, stderr io.Writer) error {
	fs := flag.NewFlagSet("top", flag.ContinueOnError)
	fs.SetOutput(stderr)
	every := fs.Duration("interval", 5*time.Second, "time between snapshots")
	n := fs.Int("n", 10, "rows per table (1 to 100)")
	once := fs.Bool("once", false, "print one screen (rates over one interval) and exit")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *every <= 0 || *n < 1 || *n > 100 {
		return usageError(stderr, "top")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	q := url.Values{"n": {strconv.Itoa(*n)}}
	var prev admin.Top
	if _, err := c.get("/api/v1/top", q, &prev); err != nil {
		return err
	}
	t := time.NewTicker(*every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil // an operator's ^C ends the view: not a failure
		case <-t.C:
		}
		var cur admin.Top
		if _, err := c.get("/api/v1/top", q, &cur); err != nil {
			return err
		}
		v := topView(prev, cur)
		prev = cur
		if err := printTop(o, v, !*once); err != nil {
			return err
		}
		if *once {
			return nil
		}
	}
}

// topView computes the rates between two snapshots, over the node's
// clock. Counters that went down (the node restarted) give no rate.
func topView(prev, cur admin.Top) TopView {
	v := TopView{Top: cur, IntervalSeconds: cur.Time.Sub(prev.Time).Seconds()}
	if v.IntervalSeconds <= 0 {
		return v
	}
	rate := func(a, b uint64) float64 {
		if b < a {
			return 0
		}
		return float64(b-a) / v.IntervalSeconds
	}
	p, c := prev.Counters, cur.Counters
	v.Rates = Rates{Accepted: rate(p.Accepted, c.Accepted), Delivered: rate(p.Delivered, c.Delivered),
		Deferred: rate(p.Deferred, c.Deferred), Failed: rate(p.Failed, c.Failed)}
	before := make(map[string]admin.RuleCounters, len(prev.Rules))
	for _, r := range prev.Rules {
		before[r.Rule] = r
	}
	for _, r := range cur.Rules {
		b := before[r.Rule] // a rule new since prev: from zero
		v.RuleRates = append(v.RuleRates, RuleRate{Rule: r.Rule, Delivered: rate(b.Delivered, r.Delivered),
			Deferred: rate(b.Deferred, r.Deferred), Failed: rate(b.Failed, r.Failed)})
	}
	slices.SortStableFunc(v.RuleRates, func(a, b RuleRate) int {
		return cmp.Compare(b.Delivered+b.Deferred+b.Failed, a.Delivered+a.Deferred+a.Failed)
	})
	return v
}

// ruleTable prints the outcome rates by site rule.
func ruleTable(o out, rs []RuleRate) error {
	t := o.table("RULE", "DELIVERED/S", "DEFERRED/S", "FAILED/S")
	for _, r := range rs {
		t.row(r.Rule, fmt.Sprintf("%.1f", r.Delivered), fmt.Sprintf("%.1f", r.Deferred), fmt.Sprintf("%.1f", r.Failed))
	}
	return t.flush()
}

// printTop prints one screen (clearing the terminal first when
// refreshing), or one compact JSON document per line with --json.
func printTop(o out, v TopView, refresh bool) error {
	if o.json {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.w, "%s\n", b)
		return err
	}
	if refresh {
		// ctl's own control sequence: past the terminal filter (termSafe).
		fmt.Fprint(o.data(), clearScreen)
	}
	q := v.Queue
	fmt.Fprintf(o.w, "sluice top  %s  rates over %s\n\n", stamp(v.Time), time.Duration(v.IntervalSeconds*float64(time.Second)).Round(time.Millisecond))
	fmt.Fprintf(o.w, "queue   %d messages, %d recipients waiting: %d queued, %d in flight, %d deferred",
		q.Messages, q.Queued+q.InFlight+q.Deferred, q.Queued, q.InFlight, q.Deferred)
	if !q.Oldest.IsZero() {
		fmt.Fprintf(o.w, "; oldest %s", time.Duration(q.OldestAgeSeconds*float64(time.Second)).Round(time.Second))
	}
	r := v.Rates
	fmt.Fprintf(o.w, "\nper s   accepted %.1f  delivered %.1f  deferred %.1f  failed %.1f\n\n", r.Accepted, r.Delivered, r.Deferred, r.Failed)
	if err := groupTable(o, "DOMAIN", v.Domains); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	if err := groupTable(o, "TENANT", v.Tenants); err != nil {
		return err
	}
	fmt.Fprintln(o.w)
	if err := siteTable(o, v.Sites); err != nil {
		return err
	}
	if len(v.RuleRates) == 0 {
		return nil
	}
	fmt.Fprintln(o.w)
	return ruleTable(o, v.RuleRates)
}
