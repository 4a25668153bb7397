package webhook

import "time"

// Metrics are a dispatcher's counters, for the operator's metrics.
type Metrics struct {
	// Endpoints has one entry per endpoint, in no particular order.
	Endpoints []EndpointMetrics
	// Removed counts entries deleted at start because their tenant had
	// no endpoint any more.
	Removed uint64
}

// EndpointMetrics are one endpoint's counters since the dispatcher was
// made, and its queue now.
type EndpointMetrics struct {
	// Tenant names the endpoint.
	Tenant string
	// Sent counts events delivered (acknowledged with a 2xx).
	Sent uint64
	// Requests counts POSTs made; Failed those that did not deliver and
	// are retried after a wait (network error, timeout, non-2xx answer;
	// of 413s, those to a single event, not those that halve a batch).
	Requests, Failed uint64
	// Expired counts events dropped after Config.MaxAge; Rejected those
	// dropped because the endpoint refused a single event whose body is
	// over 64 KiB with 413, or the entry was unreadable.
	Expired, Rejected uint64
	// Pending is the number of events in the outbox, and Oldest the time
	// the oldest was queued (zero when none). Both are zero when the
	// database cannot be read (after the events store closed).
	Pending uint64
	Oldest  time.Time
}

// Metrics returns the dispatcher's counters and queue depths.
func (d *Dispatcher) Metrics() Metrics {
	m := Metrics{Removed: d.removed.Load()}
	for _, r := range d.out.routes {
		em := EndpointMetrics{
			Tenant: r.Tenant, Sent: r.sent.Load(), Requests: r.requests.Load(), Failed: r.failed.Load(),
			Expired: r.expired.Load(), Rejected: r.rejected.Load(),
		}
		em.Pending, em.Oldest, _ = d.out.depth(d.db, r)
		m.Endpoints = append(m.Endpoints, em)
	}
	return m
}
