package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"sluice/accounting"
)

// AccountingCounts is the accounting log (*accounting.Writer) as the
// metrics read it.
type AccountingCounts interface {
	Stats() accounting.Stats
}

// RegisterAccounting adds the accounting log's counters, read at scrape
// time.
func (m *Set) RegisterAccounting(w AccountingCounts) { m.reg.MustRegister(accountingCollector{w}) }

type accountingCollector struct{ w AccountingCounts }

var (
	acctLines = prometheus.NewDesc("sluice_accounting_lines_total",
		"Lines written (fsync'd) to the accounting log.", nil, nil)
	acctBytes = prometheus.NewDesc("sluice_accounting_bytes_total",
		"Bytes written to the accounting log.", nil, nil)
	acctBacklog = prometheus.NewDesc("sluice_accounting_backlog",
		"Accounting lines committed with their events and not yet written to the log.", nil, nil)
	acctWriteErrors = prometheus.NewDesc("sluice_accounting_write_errors_total",
		"Failed writes of the accounting log (a full disk…); each is retried, no line is lost.", nil, nil)
	acctCompressErrors = prometheus.NewDesc("sluice_accounting_compress_errors_total",
		"Failed compressions of rotated accounting files (retried).", nil, nil)
	acctRotations = prometheus.NewDesc("sluice_accounting_rotations_total",
		"Accounting files rotated.", nil, nil)
)

func (accountingCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{acctLines, acctBytes, acctBacklog, acctWriteErrors, acctCompressErrors, acctRotations} {
		ch <- d
	}
}

func (c accountingCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.w.Stats()
	ch <- prometheus.MustNewConstMetric(acctLines, prometheus.CounterValue, float64(s.Lines))
	ch <- prometheus.MustNewConstMetric(acctBytes, prometheus.CounterValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(acctBacklog, prometheus.GaugeValue, float64(s.Backlog))
	ch <- prometheus.MustNewConstMetric(acctWriteErrors, prometheus.CounterValue, float64(s.WriteErrors))
	ch <- prometheus.MustNewConstMetric(acctCompressErrors, prometheus.CounterValue, float64(s.CompressErrors))
	ch <- prometheus.MustNewConstMetric(acctRotations, prometheus.CounterValue, float64(s.Rotations))
}
