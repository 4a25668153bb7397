package configs

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Default returns the embedded defaults: everything on loopback, data under
// ./sluice-data, no tenants (serve then creates a development tenant).
func Default() *Config {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return &Config{
		Hostname: host,
		DataDir:  "./sluice-data",
		Log:      Log{Level: "info", Recipients: "hash"},
		Submission: Submission{
			Listen:               "127.0.0.1:2587",
			MaxMessageBytes:      25 << 20,
			MaxRecipients:        1000,
			MaxSessions:          1000,
			ReadTimeout:          Duration{5 * time.Minute},
			WriteTimeout:         Duration{5 * time.Minute},
			MaxLineLength:        64 << 10,
			MaxConnsPerIP:        100,
			MaxPreAuthPerIP:      50,
			PreAuthTimeout:       Duration{30 * time.Second},
			MaxPreAuthCommands:   20,
			MaxSessionsPerTenant: 100,
			AuthFailuresFree:     3,
			AuthLockoutAfter:     10,
			AuthLockout:          Duration{10 * time.Minute},
			DataMemoryWait:       Duration{5 * time.Second},
			DataTimeout:          Duration{5 * time.Minute},
		},
		Inbound: Inbound{Listen: "127.0.0.1:2525", FBLLocalParts: []string{"fbl"}, DKIMTimeout: Duration{15 * time.Second},
			MaxConns: 1000, MaxConnsPerIP: 20},
		Tracking: Tracking{Listen: "127.0.0.1:8080", IPMode: "truncate", Retention: Duration{2160 * time.Hour},
			MaxConnsPerAddr: 256, MaxConns: 10000},
		Admin: Admin{Listen: "127.0.0.1:8025"},
		Queue: Queue{
			RetryFirst:         Duration{5 * time.Minute},
			RetryMax:           Duration{time.Hour},
			MaxAge:             Duration{120 * time.Hour},
			MaxInFlight:        5000,
			MaxReadyBytes:      8 << 20,
			DirectoryRetention: Duration{720 * time.Hour},
		},
		Suppression: Suppression{SoftThreshold: 3, SoftWindow: Duration{168 * time.Hour}},
		Shaping:     Shaping{BuiltinRules: true},
		Delivery: Delivery{
			Port:                        25,
			MaxConnectionsPerDomain:     20,
			MaxMessagesPerConnection:    100,
			MaxRecipientsPerTransaction: 100,
			IdleTimeout:                 Duration{10 * time.Second},
			ConnectTimeout:              Duration{30 * time.Second},
			CommandTimeout:              Duration{2 * time.Minute},
			DataTimeout:                 Duration{10 * time.Minute},
			TLS:                         "opportunistic",
			DefaultPool:                 "default",
		},
		DKIM:       DKIM{RSAEngine: "auto", RequireAligned: "store"},
		Reputation: defaultReputation(),
		Webhooks: Webhooks{
			MaxAge:     Duration{72 * time.Hour},
			Timeout:    Duration{10 * time.Second},
			BatchSize:  100,
			RetryFirst: Duration{time.Second},
			RetryMax:   Duration{10 * time.Minute},
		},
		TenantStore: TenantStore{BcryptCost: 10, ReturnPathLabel: "bounces", TrackingLabel: "track",
			RotationGrace: Duration{168 * time.Hour}},
	}
}

// Load reads a TOML file over the defaults and validates the result. Any
// error names the key at fault, on one line.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(string(raw))
}

// LoadOrDefault loads path, or returns the validated embedded defaults
// when path is empty: what every subcommand taking --config does.
func LoadOrDefault(path string) (*Config, error) {
	if path != "" {
		return Load(path)
	}
	cfg := Default()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Parse decodes TOML text over the defaults and validates the result.
func Parse(text string) (*Config, error) {
	cfg := Default()
	md, err := toml.Decode(text, cfg)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("config: line %d: %s", perr.Position.Line, oneLine(perr.Message))
		}
		return nil, fmt.Errorf("config: %s", oneLine(err.Error()))
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("config: %s: unknown key", und[0].String())
	}
	cfg.fill()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fill sets the defaults that depend on other values.
func (c *Config) fill() {
	// An empty list in the file means the same as none.
	if len(c.Submission.TrustedNetworks) == 0 {
		c.Submission.TrustedNetworks = nil
	}
	if len(c.Delivery.Resolvers) == 0 {
		c.Delivery.Resolvers = nil
	}
	if len(c.Inbound.Domains) == 0 {
		c.Inbound.Domains = nil
	}
	if len(c.Inbound.FBLProviders) == 0 {
		c.Inbound.FBLProviders = nil
	}
	if len(c.Inbound.SendingIPs) == 0 {
		c.Inbound.SendingIPs = nil
	}
	if len(c.Inbound.ProxyProtocolFrom) == 0 {
		c.Inbound.ProxyProtocolFrom = nil
	}
	if c.Submission.MaxPreAuth == 0 {
		c.Submission.MaxPreAuth = max(1, c.Submission.MaxSessions*9/10)
	}
	if len(c.Submission.ProxyProtocolFrom) == 0 {
		c.Submission.ProxyProtocolFrom = nil
	}
	if c.Delivery.DefaultPool == "" {
		c.Delivery.DefaultPool = "default"
	}
	if len(c.Tracking.PreviousTokenSecrets) == 0 {
		c.Tracking.PreviousTokenSecrets = nil
	}
	if len(c.Tracking.TrustedProxies) == 0 {
		c.Tracking.TrustedProxies = nil
	}
	if c.Delivery.HeloName == "" {
		c.Delivery.HeloName = c.Hostname
	}
	for i := range c.Tenants {
		if c.Tenants[i].Username == "" {
			c.Tenants[i].Username = c.Tenants[i].Name
		}
		if c.Tenants[i].DisplayName == "" {
			c.Tenants[i].DisplayName = c.Tenants[i].Name
		}
		if c.Tenants[i].Tracking == "" {
			c.Tenants[i].Tracking = "none"
		}
		if len(c.Tenants[i].FromAllow) == 0 {
			c.Tenants[i].FromAllow = nil
		}
		if len(c.Tenants[i].Webhook.Kinds) == 0 {
			c.Tenants[i].Webhook.Kinds = nil
		}
	}
	c.Tracking.BaseURL = strings.TrimSuffix(c.Tracking.BaseURL, "/")
	c.Cluster.fill()
	c.Reputation.fill()
	c.Accounting.fill(c.DataDir)
}

// keyError is a validation error naming its key.
func keyError(key string, format string, args ...any) error {
	return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...))
}

// Validate fills the defaults that depend on other values (fill, the one
// place they are set), then checks each section in turn and returns the
// first problem, naming its key. The checks themselves change nothing.
func (c *Config) Validate() error {
	c.fill()
	for _, check := range []func() error{
		c.validateNode,
		c.Submission.validate,
		c.validateTenants,
		c.Queue.validate,
		c.Suppression.validate,
		c.Inbound.validate,
		c.Tracking.validate,
		c.Delivery.validate,
		c.validateEgress,
		c.validateRoutes,
		c.validateBounceRules,
		c.DKIM.validate,
		c.Webhooks.validate,
		c.Cluster.validate,
		c.validateReputation,
		c.Accounting.validate,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateNode checks the top-level keys, the log level and the listen
// addresses.
func (c *Config) validateNode() error {
	if c.Hostname == "" {
		return keyError("hostname", "must not be empty")
	}
	if c.DataDir == "" {
		return keyError("data_dir", "must not be empty")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return keyError("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Recipients {
	case "hash", "domain", "full":
	default:
		return keyError("log.recipients", "%q is not one of hash, domain, full", c.Log.Recipients)
	}
	for key, addr := range map[string]string{
		"submission.listen": c.Submission.Listen, "inbound.listen": c.Inbound.Listen,
		"tracking.listen": c.Tracking.Listen, "admin.listen": c.Admin.Listen,
	} {
		if err := checkHostPort(addr); err != nil {
			return keyError(key, "%v", err)
		}
	}
	return nil
}

// isLoopbackHost reports whether host is localhost or a loopback address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q: bad port", addr)
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ResolverAddr normalises a resolver address to "ip:port" (port 53 when
// none is given).
func ResolverAddr(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, 53).String(), nil
	}
	return "", fmt.Errorf("%q is not an IP address or ip:port", s)
}
