// Package opstest proves the operator's files under configs/ against the
// real tools that read them: the Grafana dashboard (configs/grafana) and the
// Prometheus alert rules (configs/prometheus) on a real Prometheus scraping
// a real `sluice serve` that carried traffic, the rules through promtool's
// check and unit tests, and the systemd unit (configs/systemd) through
// systemd-analyze verify. It holds only tests; a test whose tool is not
// installed skips with a message naming the Debian package.
package opstest
