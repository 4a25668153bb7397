package admin

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"sluice/queue"
)

// Top is GET /api/v1/top: one snapshot of the node for `sluice ctl top`,
// which computes rates from two of them. Counters are cumulative, as
// /metrics exports them; a client divides their growth by the growth of
// Time.
type Top struct {
	// Time is the node's clock at the snapshot.
	Time     time.Time   `json:"time"`
	Queue    QueueStats  `json:"queue"`
	Counters TopCounters `json:"counters"`
	// Domains and Tenants are the largest groups of waiting recipients,
	// largest first (at most ?n=, default 10).
	Domains []queue.Group `json:"domains"`
	Tenants []queue.Group `json:"tenants"`
	// Sites are the (source, site) pairs with the most open
	// connections, then the most constrained.
	Sites []SiteInfo `json:"sites"`
	// Rules are the cumulative outcomes by the shaping rule governing
	// the receiving site (sluice_delivery_site_recipients_total), by rule
	// name; empty without a metrics registry.
	Rules []RuleCounters `json:"rules"`
}

// RuleCounters are one shaping rule's cumulative recipient outcomes.
type RuleCounters struct {
	Rule      string `json:"rule"`
	Delivered uint64 `json:"delivered_total"`
	Deferred  uint64 `json:"deferred_total"`
	Failed    uint64 `json:"failed_total"`
}

// TopCounters are the node's cumulative outcome counters: accepted
// messages (sluice_submission_messages_total) and recipient outcomes
// (sluice_delivery_recipients_total by result). Without a metrics
// registry, delivered and failed come from the spool's totals and the
// others are 0.
type TopCounters struct {
	Accepted  uint64 `json:"accepted_total"`
	Delivered uint64 `json:"delivered_total"`
	Deferred  uint64 `json:"deferred_total"`
	Failed    uint64 `json:"failed_total"`
}

// maxTopRows bounds ?n=.
const maxTopRows = 100

// top answers GET /api/v1/top. It scans the spool twice (by domain and
// by tenant): an operator's view, a few times a minute, not a scrape.
func (s *server) top(w http.ResponseWriter, r *http.Request) {
	n := 10
	if v := r.URL.Query().Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 || n > maxTopRows {
			apiError(w, http.StatusBadRequest, "n must be from 1 to "+strconv.Itoa(maxTopRows))
			return
		}
	}
	out := Top{Time: s.Now().UTC(), Queue: s.queueStatsNow()}
	var err error
	if out.Domains, err = s.Queue.Summary("domain"); err == nil {
		out.Tenants, err = s.Queue.Summary("tenant")
	}
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	out.Domains, out.Tenants = out.Domains[:min(n, len(out.Domains))], out.Tenants[:min(n, len(out.Tenants))]
	out.Counters, out.Rules = s.counters(out.Queue)
	out.Sites = s.siteStatus()
	slices.SortStableFunc(out.Sites, func(a, b SiteInfo) int {
		if a.Open != b.Open {
			return b.Open - a.Open
		}
		return rank(b.State) - rank(a.State)
	})
	out.Sites = out.Sites[:min(n, len(out.Sites))]
	writeJSON(w, http.StatusOK, out)
}

// rank orders shaping states by how much they hold a site back.
func rank(state string) int {
	switch state {
	case "suspended":
		return 2
	case "backoff":
		return 1
	}
	return 0
}

// counters reads the outcome counters from the metrics registry: the
// node's, and by site rule (sorted by name).
func (s *server) counters(q QueueStats) (TopCounters, []RuleCounters) {
	c := TopCounters{Delivered: uint64(q.DeliveredTotal), Failed: uint64(q.FailedTotal)}
	if s.Gatherer == nil {
		return c, nil
	}
	fams, err := s.Gatherer.Gather()
	if err != nil && len(fams) == 0 {
		return c, nil
	}
	var rules []RuleCounters
	for _, f := range fams {
		name := f.GetName()
		if name == "sluice_delivery_site_recipients_total" {
			rules = ruleCounters(f.GetMetric())
			continue
		}
		if name != "sluice_submission_messages_total" && name != "sluice_delivery_recipients_total" {
			continue
		}
		// Delivery outcomes are labelled result (delivered, deferred,
		// failed, suppressed); submissions, tenant.
		var delivered, deferred, failed, all float64
		for _, m := range f.GetMetric() {
			v := m.GetCounter().GetValue()
			all += v
			for _, l := range m.GetLabel() {
				if l.GetName() != "result" {
					continue
				}
				switch l.GetValue() {
				case "delivered":
					delivered += v
				case "deferred":
					deferred += v
				case "failed":
					failed += v
				}
			}
		}
		if name == "sluice_submission_messages_total" {
			c.Accepted = uint64(all)
		} else {
			c.Delivered, c.Deferred, c.Failed = uint64(delivered), uint64(deferred), uint64(failed)
		}
	}
	return c, rules
}

// ruleCounters sums sluice_delivery_site_recipients_total{rule, result}
// by rule.
func ruleCounters(ms []*dto.Metric) []RuleCounters {
	by := map[string]int{} // rule → index in out
	var out []RuleCounters
	for _, m := range ms {
		var rule, result string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "rule":
				rule = l.GetValue()
			case "result":
				result = l.GetValue()
			}
		}
		i, ok := by[rule]
		if !ok {
			i = len(out)
			out = append(out, RuleCounters{Rule: rule})
			by[rule] = i
		}
		r := &out[i]
		v := uint64(m.GetCounter().GetValue())
		switch result {
		case "delivered":
			r.Delivered += v
		case "deferred":
			r.Deferred += v
		case "failed":
			r.Failed += v
		}
	}
	slices.SortFunc(out, func(a, b RuleCounters) int { return strings.Compare(a.Rule, b.Rule) })
	return out
}
