package metrics

import (
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterSpoolFS adds the size and free bytes of the filesystem that
// holds dir (data_dir: the spool, the events store).
func (m *Set) RegisterSpoolFS(dir string) { m.reg.MustRegister(spoolFSCollector{dir}) }

// spoolFSCollector reports the filesystem that holds data_dir: its size
// and the bytes free to an unprivileged writer, read at scrape time with
// statfs(2). The alert rule SluiceSpoolDiskFilling (configs/prometheus)
// is written against these.
type spoolFSCollector struct{ dir string }

var (
	spoolFSFree = prometheus.NewDesc("sluice_spool_filesystem_free_bytes",
		"Bytes available to sluice on the filesystem holding data_dir.", nil, nil)
	spoolFSSize = prometheus.NewDesc("sluice_spool_filesystem_size_bytes",
		"Size of the filesystem holding data_dir, in bytes.", nil, nil)
)

func (spoolFSCollector) Describe(ch chan<- *prometheus.Desc) { ch <- spoolFSFree; ch <- spoolFSSize }

func (c spoolFSCollector) Collect(ch chan<- prometheus.Metric) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(c.dir, &st); err != nil {
		return // no sample rather than a wrong one
	}
	bs := float64(st.Bsize)
	ch <- prometheus.MustNewConstMetric(spoolFSFree, prometheus.GaugeValue, float64(st.Bavail)*bs)
	ch <- prometheus.MustNewConstMetric(spoolFSSize, prometheus.GaugeValue, float64(st.Blocks)*bs)
}
