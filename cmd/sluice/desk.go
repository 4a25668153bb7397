package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"sluice/metrics"
	"sluice/mta/delivery"
)

// deskOutcome counts one delivery outcome on the operator's desk metrics
// (by site rule and tenant: metrics.Set.DeliveryOutcome).
func (n *node) deskOutcome(ev delivery.Event) { n.metrics.DeliveryOutcome(n.shaping, ev) }

// startEdgeMetrics serves m's GET /metrics and /healthz on addr
// (admin.listen): `sluice edge` has no admin API, so this listener is its
// scrape target. Shut the server down with the edge.
func startEdgeMetrics(addr string, m *metrics.Set, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin.listen (the edge's /metrics): %w", err)
	}
	return m.Serve(ln, log), nil
}
