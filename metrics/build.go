package metrics

import (
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// registerBuildInfo adds sluice_build_info: a constant 1 whose labels say
// which build runs (the module version and VCS revision the Go toolchain
// stamped into the binary, and the Go version), so a dashboard can tell
// the nodes of a fleet apart during an upgrade.
func registerBuildInfo(reg *prometheus.Registry) {
	version, revision, goVersion := "unknown", "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "sluice_build_info",
		Help:        "Always 1; the labels name the running build (version, revision, goversion).",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": goVersion},
	})
	g.Set(1)
	reg.MustRegister(g)
}
