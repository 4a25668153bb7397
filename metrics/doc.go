// Package metrics is sluice's Prometheus instrumentation: every sluice_
// metric of a process, registered on its own registry (no global state),
// the hooks that components call (submit.Metrics, guard.ListenerMetrics,
// guard.ThrottleMetrics, the spool's commit observer) and the collectors
// that read the stores' counters at scrape time over narrow interfaces.
//
// It is the one package besides cmd/sluice that imports Prometheus: the
// library packages (queue, mta/…, tracking/…, dkim) report through plain
// function hooks and counters, and this package turns them into metrics.
//
// Label values are bounded: tenant names come from the config, reasons
// and results from fixed sets named at each metric; no address labels.
package metrics
