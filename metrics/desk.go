package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sluice/internal/event"
	"sluice/mta/submit"
)

// The operator's desk: DNS lookups, DKIM signing, outcomes by site rule,
// returns by tenant, and the /metrics endpoint of a process without the
// admin API (`sluice edge`). Each family is registered on first use, so a
// process that never calls a hook exports none of it.

// desk holds the lazily registered families of a Set.
type desk struct {
	once         sync.Once
	dns          *prometheus.HistogramVec // type: MX, A, AAAA, TXT, TLSA; result: ok, nxdomain, nodata, servfail, timeout, error
	dkim         *prometheus.HistogramVec // result: signed, unsigned, error
	siteRcpts    *prometheus.CounterVec   // rule: shaping rule names (configured, plus "default"); result: event.Outcomes
	siteLatency  *prometheus.HistogramVec // rule
	tenantReturn *prometheus.CounterVec   // tenant: configured tenants; kind: bounce, complaint, auto_reply, unsubscribe, failed
}

func (m *Set) desk() *desk {
	d := &m.deskFams
	d.once.Do(func() {
		d.dns = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_dns_lookup_seconds",
			Help:    "DNS resolutions that reached the resolvers (cache hits are not counted), by record type (MX, A, AAAA, TXT, TLSA) and result (ok, nxdomain, nodata, servfail, timeout, error).",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"type", "result"})
		d.dkim = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_dkim_sign_seconds",
			Help:    "Time to DKIM-sign one message (every signature of it), by result (signed, unsigned: no key for the From domain, error).",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1},
		}, []string{"result"})
		d.siteRcpts = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_delivery_site_recipients_total",
			Help: "Recipient delivery outcomes by the shaping rule governing the receiving site (a configured name, or default) and result (" + event.Join(event.Outcomes(), ", ") + ").",
		}, []string{"rule", "result"})
		d.siteLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_delivery_site_latency_seconds",
			Help:    "Time from acceptance to successful delivery, by the shaping rule governing the receiving site.",
			Buckets: []float64{0.05, 0.25, 1, 5, 30, 300, 3600, 24 * 3600},
		}, []string{"rule"})
		d.tenantReturn = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_returns_tenant_total",
			Help: "Returns and permanent failures by sending tenant (configured names) and kind (bounce, complaint, auto_reply, unsubscribe: returned to the inbound MX; failed: a permanent failure at delivery).",
		}, []string{"tenant", "kind"})
		m.reg.MustRegister(d.dns, d.dkim, d.siteRcpts, d.siteLatency, d.tenantReturn)
	})
	return d
}

// ObserveDNS is mta/mx's observer (mx.Config.Observe), and fits TLSA
// lookups made elsewhere: qtype is the record type, result one of mx's
// Result constants.
func (m *Set) ObserveDNS(qtype string, d time.Duration, result string) {
	m.desk().dns.WithLabelValues(qtype, result).Observe(d.Seconds())
}

// SiteOutcome counts one recipient's delivery outcome (one of
// event.Outcomes) under the shaping rule governing its site (a
// configured rule name, or "default": never a raw domain, which would
// make the label unbounded); latency is observed for deliveries.
func (m *Set) SiteOutcome(rule string, kind event.Kind, latency time.Duration) {
	d := m.desk()
	d.siteRcpts.WithLabelValues(rule, string(kind)).Inc()
	if kind == event.Delivered {
		d.siteLatency.WithLabelValues(rule).Observe(latency.Seconds())
	}
}

// TenantReturn counts one return or permanent failure of tenant's mail:
// kind is bounce, complaint, auto_reply, unsubscribe (inbound) or failed
// (delivery). tenant must be a configured tenant's name.
func (m *Set) TenantReturn(tenant, kind string) {
	m.desk().tenantReturn.WithLabelValues(tenant, kind).Inc()
}

// TimeSigner returns s behind a wrapper that observes each signing in
// sluice_dkim_sign_seconds; nil for a nil s (a tenant without keys).
func (m *Set) TimeSigner(s submit.Signer) submit.Signer {
	if s == nil {
		return nil
	}
	return timedSigner{s, m.desk().dkim}
}

// timedSigner times Sign.
type timedSigner struct {
	submit.Signer
	h *prometheus.HistogramVec
}

var _ submit.Signer = timedSigner{}

func (t timedSigner) Sign(msg []byte) ([]byte, bool, error) {
	start := time.Now()
	fields, signed, err := t.Signer.Sign(msg)
	result := "signed"
	switch {
	case err != nil:
		result = "error"
	case !signed:
		result = "unsigned"
	}
	t.h.WithLabelValues(result).Observe(time.Since(start).Seconds())
	return fields, signed, err
}

// Handler serves the Set's registry at GET /metrics (Prometheus text or
// OpenMetrics, as the scraper asks) and GET /healthz: the metrics
// listener of a process without the admin API (`sluice edge`, on
// admin.listen).
func (m *Set) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
