package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sluice/internal/event"
	"sluice/metrics"
	"sluice/mta/delivery"
	"sluice/mta/shaping"
)

// deskOutcome counts one delivery outcome on the operator's desk metrics:
// by the shaping rule of its receiving site (a bounded label: configured
// rule names and "default") and, for a permanent failure, by tenant.
// The site is looked up again from the domain and the MX that answered,
// as the engine keyed it (one small allocation for a site under the
// default rule).
func (n *node) deskOutcome(ev delivery.Event) {
	rule := shaping.DefaultRuleName
	if n.shaping != nil {
		var hosts []string
		if ev.MX != "" {
			hosts = []string{ev.MX}
		}
		rule = n.shaping.Site(ev.Domain, hosts).Rule()
	}
	n.metrics.SiteOutcome(rule, ev.Kind, ev.Latency)
	if ev.Kind == event.Failed {
		n.metrics.TenantReturn(ev.Tenant, "failed")
	}
}

// startEdgeMetrics serves m's GET /metrics and /healthz on addr
// (admin.listen): `sluice edge` has no admin API, so this listener is its
// scrape target. Shut the server down with the edge.
func startEdgeMetrics(addr string, m *metrics.Set, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin.listen (the edge's /metrics): %w", err)
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := ignoreClosed(srv.Serve(ln)); err != nil {
			log.Error("edge metrics listener", "err", err)
		}
	}()
	return srv, nil
}
