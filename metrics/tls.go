package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"sluice/mta/tlspolicy"
)

// TLSPolicy registers sluice_delivery_tls_policy_total and returns the
// hook for tlspolicy.Stats.OnResult (a process that delivers calls it
// once). Labels, all bounded: source is default, config, mta-sts, dane;
// mode is opportunistic, require, verify, mta-sts, dane; result is
// success or an RFC 8460 §4.3 result type (starttls-not-supported,
// certificate-host-mismatch, certificate-expired, certificate-not-trusted,
// validation-failure, sts-policy-fetch-error, sts-policy-invalid,
// sts-webpki-invalid, tlsa-invalid, dnssec-invalid, dane-required).
func (m *Set) TLSPolicy() func(p *tlspolicy.Policy, mxHost string, r tlspolicy.ResultType) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_delivery_tls_policy_total",
		Help: "Outbound TLS sessions and policy lookups under a TLS policy, by what decided the policy (source), its mode and the result (success or an RFC 8460 result type).",
	}, []string{"source", "mode", "result"})
	m.reg.MustRegister(c)
	return func(p *tlspolicy.Policy, _ string, r tlspolicy.ResultType) {
		c.WithLabelValues(string(p.Source), string(p.Mode), string(r)).Inc()
	}
}
