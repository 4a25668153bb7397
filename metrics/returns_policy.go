package metrics

import "github.com/prometheus/client_golang/prometheus"

// PolicyReturns counts the asynchronous policy_blocked and spam_blocked
// returns the inbound worker charges to the (source, site) that delivered
// the mail (mta/inbound's OnPolicyReturn), the ones that feed the shaping
// policy like a synchronous throttle.
type PolicyReturns struct {
	total *prometheus.CounterVec
}

// PolicyReturns registers sluice_returns_policy_total (a process with the
// inbound worker calls it once).
func (m *Set) PolicyReturns() *PolicyReturns {
	p := &PolicyReturns{total: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_returns_policy_total",
		Help: "Asynchronous policy and spam returns charged to the source and site that delivered the mail " +
			"(site: the shaping rule's name, default for sites no rule names; source: the egress source's name; class: policy_blocked, spam_blocked).",
	}, []string{"site", "source", "class"})}
	m.reg.MustRegister(p.total)
	return p
}

// Inc counts one return. site must be a shaping rule's name (bounded by
// the configuration, unlike the MX host lists that name default-rule
// sites), source a configured source's name, class policy_blocked or
// spam_blocked.
func (p *PolicyReturns) Inc(site, source, class string) {
	p.total.WithLabelValues(site, source, class).Inc()
}
