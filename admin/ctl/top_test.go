package ctl

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/admin"
)

// siteCollector exports sluice_delivery_site_recipients_total; every odd
// gathering is followed by 10 s in which gmail delivers 30 and defers 10
// and yahoo fails 2.
type siteCollector struct {
	mu    sync.Mutex
	clock *testClock
	calls int
	n     float64
}

var siteDesc = prometheus.NewDesc("sluice_delivery_site_recipients_total", "by rule", []string{"rule", "result"}, nil)

func (c *siteCollector) Describe(ch chan<- *prometheus.Desc) { ch <- siteDesc }

func (c *siteCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(siteDesc, prometheus.CounterValue, 30*c.n, "gmail", "delivered")
	ch <- prometheus.MustNewConstMetric(siteDesc, prometheus.CounterValue, 10*c.n, "gmail", "deferred")
	ch <- prometheus.MustNewConstMetric(siteDesc, prometheus.CounterValue, 2*c.n, "yahoo", "failed")
	ch <- prometheus.MustNewConstMetric(siteDesc, prometheus.CounterValue, 5, "yahoo", "suppressed")
	if c.calls++; c.calls%2 == 1 {
		c.clock.add(10 * time.Second)
		c.n++
	}
}

// TestTopByRule: top shows outcome rates by site rule, busiest first,
// from the node's per-rule counters, in the table and in --json.
func TestTopByRule(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	sites := &siteCollector{clock: clk}
	n := newNode(t, func(c *admin.Config) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(sites)
		c.Gatherer, c.Now = reg, clk.now
	})
	var v TopView
	oneDocument(t, nil, n.ok("top", "--once", "--interval", "1ms", "--json"), &v)
	want := []RuleRate{{Rule: "gmail", Delivered: 3, Deferred: 1}, {Rule: "yahoo", Failed: 0.2}}
	if len(v.RuleRates) != 2 || v.RuleRates[0] != want[0] || v.RuleRates[1] != want[1] {
		t.Fatalf("rule rates %+v, want %+v", v.RuleRates, want)
	}
	out := n.ok("top", "--once", "--interval", "1ms")
	screens := strings.Split(strings.TrimRight(out, "\n"), "\n\n")
	rows := parseTable(t, screens[len(screens)-1], "RULE", "DELIVERED/S", "DEFERRED/S", "FAILED/S")
	if len(rows) != 2 || rows[0][0] != "gmail" || rows[0][1] != "3.0" || rows[1][0] != "yahoo" || rows[1][3] != "0.2" {
		t.Fatalf("rule table %q in:\n%s", rows, out)
	}
}

// A rule that appears between two snapshots counts from zero; one whose
// counter went down (a restart) gives no rate.
func TestTopViewRules(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := admin.Top{Time: t0, Rules: []admin.RuleCounters{{Rule: "gmail", Delivered: 100}}}
	cur := admin.Top{Time: t0.Add(10 * time.Second), Rules: []admin.RuleCounters{{Rule: "gmail", Delivered: 50}, {Rule: "new", Delivered: 20}}}
	v := topView(prev, cur)
	if len(v.RuleRates) != 2 || v.RuleRates[0] != (RuleRate{Rule: "new", Delivered: 2}) || v.RuleRates[1] != (RuleRate{Rule: "gmail"}) {
		t.Fatalf("rule rates %+v", v.RuleRates)
	}
}
