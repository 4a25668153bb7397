// Package configs holds sluice's configuration: the schema (one typed
// struct per component, each field documented with its unit and default),
// TOML loading with errors that name the offending key, validation, and the
// embedded defaults that let `sluice serve` run with no file at all.
//
// configs/sluice.example.toml documents every key; a test parses it so it
// cannot drift from the schema.
package configs

import (
	"fmt"
	"time"
)

// Config is the whole configuration of one sluice node.
type Config struct {
	// Hostname names this node in greetings, EHLO and Received headers.
	// Default: the OS hostname, or "localhost".
	Hostname string `toml:"hostname"`
	// DataDir holds the spool, the generated TLS certificate, the admin
	// token and the development tenant. Default "./sluice-data".
	DataDir string `toml:"data_dir"`

	Log         Log          `toml:"log"`
	Submission  Submission   `toml:"submission"`
	Inbound     Inbound      `toml:"inbound"`
	Tracking    Tracking     `toml:"tracking"`
	Admin       Admin        `toml:"admin"`
	Queue       Queue        `toml:"queue"`
	Delivery    Delivery     `toml:"delivery"`
	DKIM        DKIM         `toml:"dkim"`
	Suppression Suppression  `toml:"suppression"`
	Shaping     Shaping      `toml:"shaping"`
	Webhooks    Webhooks     `toml:"webhooks"`
	Cluster     Cluster      `toml:"cluster"`
	Reputation  Reputation   `toml:"reputation"`
	Accounting  Accounting   `toml:"accounting"`
	Tenants     []Tenant     `toml:"tenant"`
	Routes      []Route      `toml:"route"`
	Sources     []Source     `toml:"source"`
	Pools       []Pool       `toml:"pool"`
	BounceRules []BounceRule `toml:"bounce_rule"`

	// TenantStore is [tenants]: tenants kept as data (tenants.go).
	TenantStore TenantStore `toml:"tenants"`
}

// Log configures structured logging (slog, JSON lines on stderr).
type Log struct {
	// Level: "debug", "info", "warn" or "error". Default "info".
	Level string `toml:"level"`
	// Recipients says how recipients' addresses appear in log lines:
	// "hash" (default: the spool's keyed hash, rcpt_hash, which `ctl
	// privacy export` prints too), "domain" (rcpt_domain only) or "full".
	Recipients string `toml:"recipients"`
}

// Admin configures the admin API and /metrics.
type Admin struct {
	// Listen address. Default "127.0.0.1:8025".
	Listen string `toml:"listen"`
	// Token is the bearer token of the admin API. Empty: one is generated
	// into data_dir/admin.token on first start (mode 0600).
	Token string `toml:"token"`
	// MetricsAuth puts /metrics behind the bearer token too (Prometheus:
	// authorization.credentials_file). Default false: /metrics names
	// tenants, so keep listen on a private address.
	MetricsAuth bool `toml:"metrics_auth"`
}

// Duration is a time.Duration written as a string ("5m", "1h30m").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (want e.g. \"30s\", \"5m\"): %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText formats the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
