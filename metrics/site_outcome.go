package metrics

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sluice/internal/event"
	"sluice/mta/delivery"
	"sluice/mta/shaping"
)

// DeliveryOutcome counts one delivery outcome on the operator's desk
// (delivery's outcome hook): by the shaping rule of its receiving site
// (SiteOutcome: a bounded label, configured rule names and "default") and,
// for a permanent failure, by tenant (TenantReturn). The site is looked up
// again in sites from the domain and the MX that answered, as the engine
// keyed it (one small allocation for a site under the default rule); a
// nil sites counts everything under "default".
func (m *Set) DeliveryOutcome(sites *shaping.Policy, ev delivery.Event) {
	rule := shaping.DefaultRuleName
	if sites != nil {
		var hosts []string
		if ev.MX != "" {
			hosts = []string{ev.MX}
		}
		rule = sites.Site(ev.Domain, hosts).Rule()
	}
	m.SiteOutcome(rule, ev.Kind, ev.Latency)
	if ev.Kind == event.Failed {
		m.TenantReturn(ev.Tenant, "failed")
	}
}

// Serve serves Handler (GET /metrics, /healthz) on ln until the returned
// server is shut down: the scrape target of a process without the admin
// API (`sluice edge`). A serve error is logged.
func (m *Set) Serve(ln net.Listener, log *slog.Logger) *http.Server {
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "err", err)
		}
	}()
	return srv
}
