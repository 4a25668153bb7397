package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/admin"
	"sluice/queue"
)

// parseTable parses a ctl table, failing the test unless its first line is
// heads and every column starts at the same offset on every line (two
// spaces before it, a non-space at it). It returns the rows' cells.
func parseTable(t *testing.T, out string, heads ...string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	split := regexp.MustCompile(`\s{2,}`)
	if got := split.Split(strings.TrimSpace(lines[0]), -1); strings.Join(got, "|") != strings.Join(heads, "|") {
		t.Fatalf("table heads %q, want %q:\n%s", got, heads, out)
	}
	var starts []int
	for i := 2; i < len(lines[0]); i++ {
		if lines[0][i-1] == ' ' && lines[0][i-2] == ' ' && lines[0][i] != ' ' {
			starts = append(starts, i)
		}
	}
	var rows [][]string
	for _, l := range lines[1:] {
		for _, at := range starts {
			if len(l) <= at || l[at-1] != ' ' || l[at-2] != ' ' || l[at] == ' ' {
				t.Fatalf("table not aligned at column %d:\n%s", at, out)
			}
		}
		rows = append(rows, split.Split(strings.TrimSpace(l), -1))
	}
	return rows
}

// oneDocument fails the test unless out is exactly one JSON document
// whose keys are all snake_case; it decodes it into v.
func oneDocument(t *testing.T, args []string, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("ctl %v --json: %v:\n%s", args, err, out)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("ctl %v --json: more than one document:\n%s", args, out)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if !snake.MatchString(k) {
					t.Errorf("ctl %v --json: key %q is not snake_case", args, k)
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(doc)
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("ctl %v --json: %v", args, err)
		}
	}
}

// TestTables: every listing command prints an aligned table with its
// heads by default.
func TestTables(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	id := n.enqueue("a@example.test", "b@other.test")
	n.ok("suppress", "add", "--tenant", "acme", "--reason", "asked", "z@example.test")
	n.ok("queue", "suspend", "tenant", "acme", "--reason", "abuse report")

	rows := parseTable(t, n.ok("queue", "summary"), "DOMAIN", "QUEUED", "IN_FLIGHT", "DEFERRED", "HELD", "OLDEST", "NEXT_DUE")
	if len(rows) != 2 || rows[0][0] != "example.test" || rows[0][1] != "1" || rows[0][5] != "2026-11-23T12:00:00Z" {
		t.Fatalf("summary rows %q", rows)
	}
	rows = parseTable(t, n.ok("queue", "summary", "--by", "tenant"), "TENANT", "QUEUED", "IN_FLIGHT", "DEFERRED", "HELD", "OLDEST", "NEXT_DUE")
	if len(rows) != 1 || rows[0][0] != "acme" || rows[0][1] != "2" {
		t.Fatalf("summary by tenant rows %q", rows)
	}
	rows = parseTable(t, n.ok("queue", "list"), "ID", "TENANT", "FROM", "CREATED", "SIZE", "PENDING", "RECIPIENTS")
	if len(rows) != 1 || rows[0][0] != id.String() || rows[0][6] != "a@example.test (+1)" {
		t.Fatalf("list rows %q", rows)
	}
	show := n.ok("queue", "show", id.String())
	head, recips, _ := strings.Cut(show, "\n\n")
	if !strings.Contains(head, "tenant   acme\n") || !strings.Contains(head, "pending  2") {
		t.Fatalf("show:\n%s", show)
	}
	rows = parseTable(t, recips, "#", "RECIPIENT", "STATE", "ATTEMPTS", "NEXT_ATTEMPT", "HELD", "LAST_REPLY")
	if len(rows) != 2 || rows[1][1] != "b@other.test" || rows[1][2] != "queued" {
		t.Fatalf("show rows %q", rows)
	}
	rows = parseTable(t, n.ok("queue", "holds"), "KIND", "NAME", "BY", "SINCE", "UNTIL", "REASON")
	if len(rows) != 1 || rows[0][0] != "tenant" || rows[0][4] != "-" || rows[0][5] != "abuse report" || !strings.HasPrefix(rows[0][2], "ctl") {
		t.Fatalf("holds rows %q", rows)
	}
	rows = parseTable(t, n.ok("suppress", "list", "--tenant", "acme"), "TENANT", "ADDRESS", "SCOPE", "REASON", "SOURCE", "SINCE")
	if len(rows) != 1 || rows[0][1] != "z@example.test" {
		t.Fatalf("suppress rows %q", rows)
	}
	rows = parseTable(t, n.ok("sites"), "SITE", "SOURCE", "RULE", "STATE", "OPEN", "MAX_CONN", "RATE/S", "SUSPENDED_UNTIL")
	if len(rows) != 0 {
		t.Fatalf("sites without shaping: %q", rows)
	}
	stats := n.ok("stats", "--tenant", "acme")
	first, rest, _ := strings.Cut(stats, "\n\n")
	if rows = parseTable(t, first, "TENANT", "CAMPAIGN", "SENT", "DELIVERED", "DEFERRED", "FAILED", "BOUNCES", "COMPLAINTS", "UNSUBSCRIBES"); rows[0][0] != "acme" {
		t.Fatalf("stats rows %q", rows)
	}
	if !strings.Contains(rest, "opens") || !strings.Contains(rest, "UNIQUE") {
		t.Fatalf("stats:\n%s", stats)
	}
}

// TestJSONEverywhere: with --json (anywhere on the line) every command
// prints exactly one JSON document, every key snake_case, decoding into
// the API's types.
func TestJSONEverywhere(t *testing.T) {
	t.Parallel()
	var level slog.LevelVar
	n := newNode(t, func(c *admin.Config) { c.LogLevel = &level })
	id := n.enqueue("a@example.test")
	n.ok("suppress", "add", "--tenant", "acme", "z@example.test")
	for _, args := range [][]string{
		{"queue", "stats"}, {"queue", "summary"}, {"queue", "summary", "--by", "site"}, {"sites"},
		{"queue", "list"}, {"queue", "show", id.String()}, {"queue", "show", id.String(), "--headers"},
		{"queue", "show", id.String(), "--body"},
		{"queue", "suspend", "domain", "example.test", "--duration", "2h", "--reason", "why not"},
		{"queue", "holds"}, {"holds"}, {"queue", "resume", "domain", "example.test"}, {"queue", "retry", "--all"},
		{"stats", "--tenant", "acme"}, {"suppress", "list"}, {"suppress", "export"},
		{"suppress", "add", "--tenant", "acme", "y@example.test"}, {"suppress", "remove", "--tenant", "acme", "y@example.test"},
		{"log-level"}, {"log-level", "warn"}, {"top", "--once", "--interval", "1ms"},
		{"privacy", "export", "--tenant", "acme", "a@example.test"},
	} {
		withJSON := append(append([]string{}, args...), "--json")
		oneDocument(t, args, n.ok(withJSON...), nil)
	}
	var h struct {
		Holds []admin.HoldInfo `json:"holds"`
	}
	n.ok("suspend", "tenant", "acme", "--reason", "r")
	oneDocument(t, nil, n.ok("--json", "queue", "holds"), &h)
	if len(h.Holds) != 1 || h.Holds[0].Kind != "tenant" || h.Holds[0].Reason != "r" {
		t.Fatalf("holds: %+v", h)
	}
	var ex struct {
		Suppressions []admin.Suppression `json:"suppressions"`
	}
	oneDocument(t, nil, n.ok("suppress", "export", "--json"), &ex)
	if len(ex.Suppressions) != 1 || ex.Suppressions[0].Address != "z@example.test" || ex.Suppressions[0].Created.IsZero() {
		t.Fatalf("export --json: %+v", ex)
	}
	var st admin.TenantStats
	oneDocument(t, nil, n.ok("stats", "--tenant", "acme", "--json"), &st)
	if st.Tenant != "acme" || st.Links == nil || st.Campaigns == nil {
		t.Fatalf("stats --json: %+v", st)
	}
}

// TestExitCodes: 0 done, 1 the API refused, 2 usage; help needs no token
// or node and exits 0.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	if code, _, _ := n.ctl("queue", "stats"); code != 0 {
		t.Fatalf("queue stats: exit %d", code)
	}
	for _, args := range [][]string{
		{"queue", "show", "0000000000000001"}, {"queue", "show", "nonsense"}, {"queue", "hold", "0000000000000001"},
		{"queue", "suspend", "planet", "mars"}, {"queue", "suspend", "domain", "x.test", "--duration", "-1h"},
		{"queue", "show", "0000000000000001", "--body", "--max", "0"}, {"log-level"},
	} {
		if code, _, errs := n.ctl(args...); code != 1 || !strings.HasPrefix(errs, "sluice: admin API: ") {
			t.Errorf("ctl %v: exit %d %q, want 1 with the API's reason", args, code, errs)
		}
	}
	if code, _, errs := n.ctl("log-level"); !strings.Contains(errs, "501") || code != 1 {
		t.Errorf("log-level without a LevelVar: exit %d %q", code, errs)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"queue", "list", "--help"}, {"top", "-h"}, {"--json", "queue", "--help"}} {
		var out, errb bytes.Buffer
		code := Run(append([]string{"--admin", "127.0.0.1:1"}, args...), &out, &errb) // no token, no node
		if code != 0 || !strings.Contains(out.String(), "usage: sluice ctl") {
			t.Errorf("ctl %v: exit %d %q %q", args, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	Run([]string{"--help"}, &out, &errb)
	if !strings.Contains(out.String(), "Exit status: 0 done,\n1 failed") || !strings.Contains(out.String(), "2 usage error") {
		t.Fatalf("--help does not document exit codes:\n%s", out.String())
	}
	out.Reset()
	Run([]string{"queue", "show", "--help"}, &out, &errb)
	if !strings.Contains(out.String(), "--headers") || strings.Contains(out.String(), "suppress") {
		t.Fatalf("queue show --help:\n%s", out.String())
	}
}

// TestShowHeadersBody: --headers prints the stored header section and no
// body, --body the stored bytes, cut at --max with a note; --json wraps
// them; every read is audited.
func TestShowHeadersBody(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	id := n.enqueue("a@example.test")
	if out := n.ok("queue", "show", id.String(), "--headers"); out != "Subject: hi\r\n" {
		t.Fatalf("--headers: %q", out)
	}
	if out := n.ok("queue", "show", id.String(), "--body"); out != "Subject: hi\r\n\r\nbody\r\n" {
		t.Fatalf("--body: %q", out)
	}
	if out := n.ok("queue", "show", "--body", "--max", "7", id.String()); out != "Subject\n[sluice: cut at 7 of 21 bytes; --max raises the bound]\n" {
		t.Fatalf("--body --max 7: %q", out)
	}
	var mt MessageText
	oneDocument(t, nil, n.ok("queue", "show", id.String(), "--body", "--max", "7", "--json"), &mt)
	if mt != (MessageText{ID: id.String(), Part: "body", Size: 21, Truncated: true, Text: "Subject"}) {
		t.Fatalf("--json: %+v", mt)
	}
	if logs := n.logs.String(); strings.Count(logs, `"msg":"admin: queue read"`) != 4 || !strings.Contains(logs, `"part":"headers"`) {
		t.Fatalf("reads not audited:\n%s", logs)
	}
}

// TestTimedSuspension: a suspension given --duration shows its end and
// reason, holds its mail, and lifts itself when the node's clock passes
// the end, releasing what it set aside.
func TestTimedSuspension(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	n.enqueue("a@example.test")
	out := n.ok("queue", "suspend", "domain", "example.test", "--duration", "2h", "--reason", "receiver\tdisk full")
	if out != "suspended domain:example.test until 2026-11-23T14:00:00Z (receiver disk full)\n" {
		t.Fatalf("suspend: %q", out)
	}
	if w, err := n.spool.Claim(context.Background(), 10, 10); err != nil || len(w) != 0 {
		t.Fatalf("claim under the hold: %v, %v", w, err)
	}
	n.now = n.now.Add(2*time.Hour - time.Second)
	rows := parseTable(t, n.ok("holds"), "KIND", "NAME", "BY", "SINCE", "UNTIL", "REASON")
	if len(rows) != 1 || rows[0][4] != "2026-11-23T14:00:00Z" || rows[0][5] != "receiver disk full" {
		t.Fatalf("holds before the end: %q", rows)
	}
	n.now = n.now.Add(time.Second)
	if rows := parseTable(t, n.ok("holds"), "KIND", "NAME", "BY", "SINCE", "UNTIL", "REASON"); len(rows) != 0 {
		t.Fatalf("holds at the end: %q", rows)
	}
	rows = parseTable(t, n.ok("queue", "summary"), "DOMAIN", "QUEUED", "IN_FLIGHT", "DEFERRED", "HELD", "OLDEST", "NEXT_DUE")
	if rows[0][1] != "1" || rows[0][4] != "0" {
		t.Fatalf("summary after the end: %q", rows)
	}
	if logs := n.logs.String(); !strings.Contains(logs, `"msg":"admin: hold lifted","kind":"domain","name":"example.test"`) || !strings.Contains(logs, `"released":1`) {
		t.Fatalf("lift not logged:\n%s", logs)
	}
}

// TestHoldOneMessage: hold and release of one message through ctl, on
// the real spool: the held message's recipients are not claimed while
// the other message's are, and release puts them back.
func TestHoldOneMessage(t *testing.T) {
	t.Parallel()
	if code, _, errs := newNode(t).ctl("queue", "hold", "0000000000000001"); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("hold of an unknown message: exit %d %q", code, errs)
	}
	n := newNode(t)
	id := n.enqueue("a@example.test", "b@example.test")
	other := n.enqueue("c@example.test")
	if out := n.ok("queue", "hold", id.String(), "--reason", "tenant asked", "--duration", "30m"); out != "held message:"+id.String()+" until 2026-11-23T12:30:00Z (tenant asked)\n" {
		t.Fatalf("hold: %q", out)
	}
	rows := parseTable(t, n.ok("queue", "holds"), "KIND", "NAME", "BY", "SINCE", "UNTIL", "REASON")
	if len(rows) != 1 || rows[0][0] != "message" || rows[0][1] != id.String() || rows[0][5] != "tenant asked" {
		t.Fatalf("holds: %q", rows)
	}
	if got := n.claimed(); len(got) != 1 || got[0] != other {
		t.Fatalf("claimed %v, want only the other message %v", got, other)
	}
	if out := n.ok("release", id.String()); out != "released message "+id.String()+": 2 recipients back on the schedule\n" {
		t.Fatalf("release: %q", out)
	}
	if got := n.claimed(); len(got) != 1 || got[0] != id {
		t.Fatalf("after release claimed %v, want %v", got, id)
	}
	if logs := n.logs.String(); !strings.Contains(logs, `"msg":"admin: queue release"`) || !strings.Contains(logs, `"kind":"message"`) {
		t.Fatalf("not audited:\n%s", logs)
	}
}

// claimed claims everything due in n's spool and returns the messages.
func (n *node) claimed() []queue.ID {
	n.t.Helper()
	w, err := n.spool.Claim(context.Background(), 100, 100)
	if err != nil {
		n.t.Fatal(err)
	}
	var ids []queue.ID
	for _, x := range w {
		ids = append(ids, x.ID)
	}
	return ids
}

// TestLogLevel: log-level shows the running level and changes it; a
// logger built on the node's LevelVar writes debug lines from then on.
func TestLogLevel(t *testing.T) {
	t.Parallel()
	var level slog.LevelVar
	n := newNode(t, func(c *admin.Config) { c.LogLevel = &level })
	var lines syncBuffer
	log := slog.New(slog.NewTextHandler(&lines, &slog.HandlerOptions{Level: &level}))
	log.Debug("before")
	if out := n.ok("log-level"); out != "log level info\n" {
		t.Fatalf("log-level: %q", out)
	}
	if out := n.ok("log-level", "DEBUG"); out != "log level debug (was info)\n" {
		t.Fatalf("log-level debug: %q", out)
	}
	log.Debug("after")
	if s := lines.String(); strings.Contains(s, "before") || !strings.Contains(s, "after") {
		t.Fatalf("debug lines: %q", s)
	}
	if code, _, errs := n.ctl("log-level", "verbose"); code != 1 || !strings.Contains(errs, "level must be") {
		t.Fatalf("bad level: exit %d %q", code, errs)
	}
	if !strings.Contains(n.logs.String(), `"msg":"admin: log level","actor":"ctl`) {
		t.Fatalf("not audited:\n%s", n.logs.String())
	}
}

// TestTopOnce: top --once takes two snapshots and prints the rates per
// second between them over the node's clock: traffic counted by the
// metrics registry between the two (50 accepted, 20 delivered, 5
// deferred, 1 failed in 10 s of the node's clock) gives 5, 2, 0.5, 0.1.
func TestTopOnce(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	traffic := &trafficCollector{clock: clk}
	n := newNode(t, func(c *admin.Config) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(traffic)
		c.Gatherer, c.Now = reg, clk.now
	})
	n.enqueue("a@example.test", "b@example.test", "c@other.test")
	var v TopView
	oneDocument(t, nil, n.ok("top", "--once", "--interval", "1ms", "--json"), &v)
	want := Rates{Accepted: 5, Delivered: 2, Deferred: 0.5, Failed: 0.1}
	if v.Rates != want || v.IntervalSeconds != 10 || v.Queue.Queued != 3 || len(v.Domains) != 2 || v.Domains[0].Key != "example.test" {
		t.Fatalf("top --json: %+v", v)
	}
	out := n.ok("top", "--once", "--interval", "1ms", "--n", "1")
	if !strings.Contains(out, "per s   accepted 5.0  delivered 2.0  deferred 0.5  failed 0.1\n") || strings.Contains(out, clearScreen) ||
		!strings.Contains(out, "1 messages, 3 recipients waiting") {
		t.Fatalf("top:\n%s", out)
	}
	screens := strings.Split(out, "\n\n")
	if rows := parseTable(t, screens[2], "DOMAIN", "QUEUED", "IN_FLIGHT", "DEFERRED", "HELD", "OLDEST", "NEXT_DUE"); len(rows) != 1 || rows[0][0] != "example.test" {
		t.Fatalf("top domains (--n 1): %q", rows)
	}
	if rows := parseTable(t, screens[3], "TENANT", "QUEUED", "IN_FLIGHT", "DEFERRED", "HELD", "OLDEST", "NEXT_DUE"); len(rows) != 1 || rows[0][1] != "3" {
		t.Fatalf("top tenants: %q", rows)
	}
}

// testClock is a clock a collector may move while the server reads it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// trafficCollector exports the counters top reads; every odd gathering
// is followed by 10 s of traffic, so the next snapshot sees it.
type trafficCollector struct {
	mu                                    sync.Mutex
	clock                                 *testClock
	calls                                 int
	accepted, delivered, deferred, failed float64
}

var (
	acceptedDesc = prometheus.NewDesc("sluice_submission_messages_total", "accepted", []string{"tenant"}, nil)
	outcomeDesc  = prometheus.NewDesc("sluice_delivery_recipients_total", "outcomes", []string{"result"}, nil)
)

func (c *trafficCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- acceptedDesc
	ch <- outcomeDesc
}

func (c *trafficCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(acceptedDesc, prometheus.CounterValue, c.accepted*0.6, "acme")
	ch <- prometheus.MustNewConstMetric(acceptedDesc, prometheus.CounterValue, c.accepted*0.4, "zeta")
	ch <- prometheus.MustNewConstMetric(outcomeDesc, prometheus.CounterValue, c.delivered, "delivered")
	ch <- prometheus.MustNewConstMetric(outcomeDesc, prometheus.CounterValue, c.deferred, "deferred")
	ch <- prometheus.MustNewConstMetric(outcomeDesc, prometheus.CounterValue, c.failed, "failed")
	ch <- prometheus.MustNewConstMetric(outcomeDesc, prometheus.CounterValue, 7, "suppressed")
	if c.calls++; c.calls%2 == 1 {
		c.clock.add(10 * time.Second)
		c.accepted, c.delivered, c.deferred, c.failed = c.accepted+50, c.delivered+20, c.deferred+5, c.failed+1
	}
}
