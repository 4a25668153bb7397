package configs

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"sluice/mta/tlspolicy"
)

// Delivery configures outbound SMTP.
type Delivery struct {
	// Port is the SMTP port used for MX delivery. Default 25.
	Port int `toml:"port"`
	// Resolvers are DNS servers ("ip" or "ip:port"). Default: those of
	// /etc/resolv.conf.
	Resolvers []string `toml:"resolvers"`
	// HeloName is sent in EHLO. Default: hostname.
	HeloName string `toml:"helo_name"`
	// MaxConnectionsPerDomain caps concurrent connections to one
	// destination domain. Default 20.
	MaxConnectionsPerDomain int `toml:"max_connections_per_domain"`
	// MaxMessagesPerConnection: a connection is closed after this many
	// transactions. Default 100.
	MaxMessagesPerConnection int `toml:"max_messages_per_connection"`
	// MaxRecipientsPerTransaction caps RCPT TO in one transaction.
	// Default 100 (RFC 5321 §4.5.3.1.8 minimum a server must accept).
	MaxRecipientsPerTransaction int `toml:"max_recipients_per_transaction"`
	// IdleTimeout closes a connection with no work for this long.
	// Default "10s".
	IdleTimeout Duration `toml:"idle_timeout"`
	// ConnectTimeout bounds TCP connect per address. Default "30s".
	ConnectTimeout Duration `toml:"connect_timeout"`
	// CommandTimeout bounds each command's reply. Default "2m".
	CommandTimeout Duration `toml:"command_timeout"`
	// DataTimeout bounds the reply to the end of data. Default "10m"
	// (RFC 5321 §4.5.3.2.6).
	DataTimeout Duration `toml:"data_timeout"`
	// TLS is "opportunistic" (STARTTLS when offered, any certificate) or
	// "disabled". Default "opportunistic".
	TLS string `toml:"tls"`
	// DefaultPool is the pool of tenants that name none. Default
	// "default": every source (or the one implicit source).
	DefaultPool string `toml:"default_pool"`
	// MTASTS looks up and honours receivers' MTA-STS policies (RFC 8461):
	// under "enforce", mail is deferred rather than sent in clear or to a
	// certificate that does not verify. Default true (unset); see
	// MTASTSEnabled.
	MTASTS *bool `toml:"mta_sts"`
	// AllowPrivateMX lets delivery connect to MX hosts whose addresses are
	// not public (loopback, RFC 1918, link-local, shared, special-purpose:
	// outbound.PublicAddr). Default false: a domain whose MX points there
	// (anyone can publish such a record) fails permanently instead of
	// making sluice connect into its own host or network. The same holds
	// for the hosts of MTA-STS policies and TLS-RPT https receivers.
	// Routes are never checked.
	AllowPrivateMX bool `toml:"allow_private_mx"`
	// DANE honours MX hosts' DNSSEC-signed TLSA records (RFC 7672); it
	// needs DNSSECResolvers. Default false.
	DANE bool `toml:"dane"`
	// DNSSECResolvers are resolvers that validate DNSSEC ("ip" or
	// "ip:port", e.g. a local unbound): the only ones whose AD bit is
	// believed, so the only ones DANE asks. Default none.
	DNSSECResolvers []string `toml:"dnssec_resolvers"`
	// TLSPolicyDir is where fetched MTA-STS policies are kept across
	// restarts. Default "<data_dir>/mta-sts"; see PolicyDir.
	TLSPolicyDir string `toml:"tls_policy_dir"`
	// TLSCAFile is a PEM file of extra roots trusted for MTA-STS policy
	// servers and verified MX certificates, besides the system's (private
	// PKI, tests). Default none.
	TLSCAFile string `toml:"tls_ca_file"`
	// Priorities serves due mail by class (transactional before
	// marketing, then X-Sluice-Priority or the tenant's priority), one
	// claim and one transaction in 8 going to the lower classes. false:
	// due order only, as before. Default true (unset); see
	// PrioritiesEnabled.
	Priorities *bool `toml:"priorities"`
	// TLSPolicies are per-site TLS modes ([[delivery.tls_policy]]); the
	// first match wins.
	TLSPolicies []TLSPolicyRule `toml:"tls_policy"`
	// TLSReports sends daily RFC 8460 TLS reports to receivers that
	// publish `_smtp._tls` records. Default false. The other tls_report_*
	// keys, their defaults and checks: tlsreports.go.
	TLSReports         bool   `toml:"tls_reports"`
	TLSReportOrg       string `toml:"tls_report_org"`
	TLSReportSubmitter string `toml:"tls_report_submitter"`
	TLSReportFrom      string `toml:"tls_report_from"`
	TLSReportContact   string `toml:"tls_report_contact"`
	TLSReportDir       string `toml:"tls_report_dir"`
	// BlocklistRetry is when a source a site refused for a DNS blocklist
	// (or its IP's reputation) tries that site again: after the first
	// refusal, then after each refusal at a retry; the last value
	// repeats. Default ["1h", "4h", "12h", "24h"] (unset); see
	// BlocklistRetries.
	// Durations as text: the schema's Duration tables would read as
	// [[delivery.blocklist_retry]].
	BlocklistRetry []string `toml:"blocklist_retry"`
}

// TLSPolicyRule is one [[delivery.tls_policy]]: a mode for a recipient
// domain or an MX host. Domain and MX are "example.com" (exactly) or
// ".example.com" (any name below it); set one of them.
type TLSPolicyRule struct {
	Domain string `toml:"domain"`
	MX     string `toml:"mx"`
	// Mode is opportunistic, require (TLS, any certificate), verify
	// (WebPKI for the MX host name), mta-sts or dane.
	Mode string `toml:"mode"`
}

// PrioritiesEnabled reports delivery.priorities: true unless set to false.
func (d Delivery) PrioritiesEnabled() bool { return d.Priorities == nil || *d.Priorities }

// MTASTSEnabled reports delivery.mta_sts: true unless set to false.
func (d Delivery) MTASTSEnabled() bool { return d.MTASTS == nil || *d.MTASTS }

// PolicyDir is delivery.tls_policy_dir, or data_dir/mta-sts by default.
func (c *Config) PolicyDir() string {
	if c.Delivery.TLSPolicyDir != "" {
		return c.Delivery.TLSPolicyDir
	}
	return filepath.Join(c.DataDir, "mta-sts")
}

// Source is one egress address.
type Source struct {
	// Name identifies the source in pools, logs and metrics.
	Name string `toml:"name"`
	// Address is the local IP to send from (it must be configured on the
	// host). Empty: the OS chooses.
	Address string `toml:"address"`
	// HeloName is the EHLO name from this source (its PTR name). Default:
	// delivery.helo_name.
	HeloName string `toml:"helo_name"`
	// Warmup puts a new address on a warm-up schedule: each site (shaping
	// rule) gets at most the day's allowance from it; the rest goes from
	// its pool's other sources or waits for the next UTC day. Default
	// false.
	Warmup bool `toml:"warmup"`
	// WarmupStart is day 1 (YYYY-MM-DD, UTC). Default "": the first day
	// the node saw the source on a schedule (kept in data_dir/warmup.json).
	WarmupStart string `toml:"warmup_start"`
	// WarmupCurve is messages per day per site for days 1, 2, …; after its
	// last day the source is warm. Default []: the shipped 30-day curve
	// (mta/shaping.DefaultWarmupCurve, 50 to 300,000).
	WarmupCurve []int `toml:"warmup_curve"`
	// WarmupSites replaces the curve for the shaping rules named
	// ("yahoo" = [20, 50, …]). Default none.
	WarmupSites map[string][]int `toml:"warmup_sites"`
}

// Pool is a named group of sources; each message's jobs go out from its
// pool's sources in turn.
type Pool struct {
	Name    string   `toml:"name"`
	Sources []string `toml:"sources"`
}

// Route sends mail for a domain to a fixed host instead of its MX (tests,
// smarthosts).
type Route struct {
	// Domain is matched exactly (case-insensitive), or "*" for everything.
	Domain string `toml:"domain"`
	// Host is "host:port".
	Host string `toml:"host"`
}

// Shaping configures per-site traffic shaping (mta/shaping): a site is
// the set of MX hosts a domain resolves to, so domains hosted together
// share one budget; replies that mean "slow down" back a site off, and it
// recovers gradually.
type Shaping struct {
	// BuiltinRules adds sluice's rules for the large mailbox providers
	// (Gmail, Outlook, Yahoo/AOL, iCloud, GMX/Web.de, Mail.ru; see
	// mta/shaping.DefaultRules). Default true.
	BuiltinRules bool `toml:"builtin_rules"`
	// Rules add to (or, by name, replace) the built-in ones. A rule named
	// "default" sets the limits of every other site; without one, the
	// default allows delivery.max_connections_per_domain connections and
	// delivery.max_messages_per_connection messages per connection, no
	// rate bound.
	Rules []ShapingRule `toml:"rule"`
}

// ShapingRule is one shaping rule. Zero values take mta/shaping's
// defaults (10 connections, 100 messages per connection, factor 0.5,
// quiet period 5m).
type ShapingRule struct {
	Name                        string   `toml:"name"`
	Domains                     []string `toml:"domains"`
	MXPatterns                  []string `toml:"mx_patterns"`
	MaxConnections              int      `toml:"max_connections"`
	MaxMessagesPerConnection    int      `toml:"max_messages_per_connection"`
	MaxRecipientsPerTransaction int      `toml:"max_recipients_per_transaction"`
	// Rate is "N/s", "N/min" or "N/h"; "" means no bound until a throttle
	// reply sets one.
	Rate  string `toml:"rate"`
	Burst int    `toml:"burst"`
	// BackoffFactor multiplies rate or connections on a throttle, in (0,1).
	BackoffFactor float64 `toml:"backoff_factor"`
	// QuietPeriod without throttling before each step back up.
	QuietPeriod Duration `toml:"quiet_period"`
	// MinRate is the floor while backed off ("1/min").
	MinRate        string   `toml:"min_rate"`
	ConnectTimeout Duration `toml:"connect_timeout"`
	CommandTimeout Duration `toml:"command_timeout"`
}

// validate checks the [delivery] table.
func (d Delivery) validate() error {
	if d.Port <= 0 || d.Port > 65535 {
		return keyError("delivery.port", "%d is not a port", d.Port)
	}
	for i, r := range d.Resolvers {
		if _, err := ResolverAddr(r); err != nil {
			return keyError(fmt.Sprintf("delivery.resolvers[%d]", i), "%v", err)
		}
	}
	for key, v := range map[string]int{
		"delivery.max_connections_per_domain":     d.MaxConnectionsPerDomain,
		"delivery.max_messages_per_connection":    d.MaxMessagesPerConnection,
		"delivery.max_recipients_per_transaction": d.MaxRecipientsPerTransaction,
	} {
		if v <= 0 {
			return keyError(key, "must be positive")
		}
	}
	for key, v := range map[string]Duration{
		"delivery.idle_timeout": d.IdleTimeout, "delivery.connect_timeout": d.ConnectTimeout,
		"delivery.command_timeout": d.CommandTimeout, "delivery.data_timeout": d.DataTimeout,
	} {
		if v.Duration <= 0 {
			return keyError(key, "must be positive")
		}
	}
	if d.TLS != "opportunistic" && d.TLS != "disabled" {
		return keyError("delivery.tls", "%q is not one of opportunistic, disabled", d.TLS)
	}
	if err := d.validateTLSReports(); err != nil {
		return err
	}
	if err := d.validateBlocklist(); err != nil {
		return err
	}
	return d.validateTLSPolicy()
}

// validateTLSPolicy checks the outbound TLS policy keys.
func (d Delivery) validateTLSPolicy() error {
	for i, r := range d.DNSSECResolvers {
		if _, err := ResolverAddr(r); err != nil {
			return keyError(fmt.Sprintf("delivery.dnssec_resolvers[%d]", i), "%v", err)
		}
	}
	if d.DANE && len(d.DNSSECResolvers) == 0 {
		return keyError("delivery.dane", "needs delivery.dnssec_resolvers (validating resolvers, e.g. a local unbound)")
	}
	for i, r := range d.TLSPolicies {
		key := fmt.Sprintf("delivery.tls_policy[%d]", i)
		if (r.Domain == "") == (r.MX == "") {
			return keyError(key, "set exactly one of domain and mx")
		}
		for k, v := range map[string]string{".domain": r.Domain, ".mx": r.MX} {
			if v != "" && (strings.Trim(v, ".") == "" || strings.ContainsAny(v, "@ */:")) {
				return keyError(key+k, "%q is not a name or .suffix", v)
			}
		}
		m, ok := tlspolicy.ParseMode(r.Mode)
		if !ok {
			return keyError(key+".mode", "%q is not one of opportunistic, require, verify, mta-sts, dane", r.Mode)
		}
		if m == tlspolicy.ModeDANE && len(d.DNSSECResolvers) == 0 {
			return keyError(key+".mode", "dane needs delivery.dnssec_resolvers")
		}
	}
	return nil
}

// validateEgress checks the [[source]] and [[pool]] tables and what names
// them (delivery.default_pool, tenants' pools).
func (c *Config) validateEgress() error {
	srcNames := map[string]bool{}
	for i, src := range c.Sources {
		key := fmt.Sprintf("source[%d]", i)
		if src.Name == "" || srcNames[src.Name] {
			return keyError(key+".name", "empty or duplicate source name %q", src.Name)
		}
		srcNames[src.Name] = true
		if src.Address != "" {
			if _, err := netip.ParseAddr(src.Address); err != nil {
				return keyError(key+".address", "%q is not an IP address", src.Address)
			}
		}
		if err := c.validateWarmup(key, src); err != nil {
			return err
		}
	}
	poolNames := map[string]bool{}
	for i, p := range c.Pools {
		key := fmt.Sprintf("pool[%d]", i)
		if p.Name == "" || poolNames[p.Name] {
			return keyError(key+".name", "empty or duplicate pool name %q", p.Name)
		}
		poolNames[p.Name] = true
		if len(p.Sources) == 0 {
			return keyError(key+".sources", "must name at least one source")
		}
		for j, sn := range p.Sources {
			if !srcNames[sn] {
				return keyError(fmt.Sprintf("%s.sources[%d]", key, j), "no source named %q", sn)
			}
		}
	}
	if dp := c.Delivery.DefaultPool; len(c.Pools) > 0 && !poolNames[dp] {
		return keyError("delivery.default_pool", "no pool named %q", dp)
	}
	if len(c.Pools) == 0 && c.Delivery.DefaultPool != "default" {
		return keyError("delivery.default_pool", "no pools are configured")
	}
	for i, t := range c.Tenants {
		for j, pn := range t.Pools {
			if pn != "default" && !poolNames[pn] {
				return keyError(fmt.Sprintf("tenant[%d].pools[%d]", i, j), "no pool named %q", pn)
			}
		}
	}
	return nil
}

// validateRoutes checks the [[route]] tables.
func (c *Config) validateRoutes() error {
	for i, r := range c.Routes {
		key := fmt.Sprintf("route[%d]", i)
		if r.Domain == "" {
			return keyError(key+".domain", "must not be empty (use \"*\" for every domain)")
		}
		if err := checkHostPort(r.Host); err != nil {
			return keyError(key+".host", "%v", err)
		}
	}
	return nil
}
