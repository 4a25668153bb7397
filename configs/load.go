package configs

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
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
		Log:      Log{Level: "info"},
		Submission: Submission{
			Listen:          "127.0.0.1:2587",
			MaxMessageBytes: 25 << 20,
			MaxRecipients:   1000,
			MaxSessions:     1000,
			ReadTimeout:     Duration{5 * time.Minute},
			WriteTimeout:    Duration{5 * time.Minute},
		},
		Inbound:  Inbound{Listen: "127.0.0.1:2525", FBLLocalParts: []string{"fbl"}},
		Tracking: Tracking{Listen: "127.0.0.1:8080", IPMode: "truncate", Retention: Duration{2160 * time.Hour}},
		Admin:    Admin{Listen: "127.0.0.1:8025"},
		Queue: Queue{
			RetryFirst:         Duration{5 * time.Minute},
			RetryMax:           Duration{time.Hour},
			MaxAge:             Duration{120 * time.Hour},
			MaxInFlight:        5000,
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
		DKIM: DKIM{RSAEngine: "auto"},
		Webhooks: Webhooks{
			MaxAge:     Duration{72 * time.Hour},
			Timeout:    Duration{10 * time.Second},
			BatchSize:  100,
			RetryFirst: Duration{time.Second},
			RetryMax:   Duration{10 * time.Minute},
		},
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
		if len(c.Tenants[i].Webhook.Kinds) == 0 {
			c.Tenants[i].Webhook.Kinds = nil
		}
	}
	c.Tracking.BaseURL = strings.TrimSuffix(c.Tracking.BaseURL, "/")
}

// keyError is a validation error naming its key.
func keyError(key string, format string, args ...any) error {
	return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...))
}

// Validate checks the whole configuration and returns the first problem,
// naming its key.
func (c *Config) Validate() error {
	c.fill()
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
	for key, addr := range map[string]string{
		"submission.listen": c.Submission.Listen, "inbound.listen": c.Inbound.Listen,
		"tracking.listen": c.Tracking.Listen, "admin.listen": c.Admin.Listen,
	} {
		if err := checkHostPort(addr); err != nil {
			return keyError(key, "%v", err)
		}
	}
	s := c.Submission
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return keyError("submission.tls_cert", "tls_cert and tls_key must be set together")
	}
	if s.MaxMessageBytes <= 0 {
		return keyError("submission.max_message_bytes", "must be positive")
	}
	if s.MaxRecipients <= 0 {
		return keyError("submission.max_recipients", "must be positive")
	}
	if s.MaxSessions <= 0 {
		return keyError("submission.max_sessions", "must be positive")
	}
	if s.ReadTimeout.Duration <= 0 || s.WriteTimeout.Duration <= 0 {
		return keyError("submission.read_timeout", "timeouts must be positive")
	}
	for i, n := range s.TrustedNetworks {
		if _, err := netip.ParsePrefix(n); err != nil {
			return keyError(fmt.Sprintf("submission.trusted_networks[%d]", i), "%q is not a CIDR prefix", n)
		}
	}
	names := map[string]bool{}
	users := map[string]bool{}
	for i, t := range c.Tenants {
		key := fmt.Sprintf("tenant[%d]", i)
		if t.Name == "" {
			return keyError(key+".name", "must not be empty")
		}
		if names[t.Name] {
			return keyError(key+".name", "duplicate tenant %q", t.Name)
		}
		names[t.Name] = true
		if users[t.Username] {
			return keyError(key+".username", "duplicate username %q", t.Username)
		}
		users[t.Username] = true
		if !strings.HasPrefix(t.PasswordHash, "$2a$") && !strings.HasPrefix(t.PasswordHash, "$2b$") && !strings.HasPrefix(t.PasswordHash, "$2y$") {
			return keyError(key+".password_hash", "must be a bcrypt hash (make one with `sluice hash-password`)")
		}
		if len(t.SenderDomains) == 0 {
			return keyError(key+".sender_domains", "must list at least one domain")
		}
		for j, d := range t.SenderDomains {
			if d == "" || strings.ContainsAny(d, "@ ") {
				return keyError(fmt.Sprintf("%s.sender_domains[%d]", key, j), "%q is not a domain", d)
			}
		}
		if t.MaxMessageBytes < 0 || t.MaxRecipients < 0 {
			return keyError(key+".max_message_bytes", "limits must not be negative")
		}
		switch t.Tracking {
		case "", "none", "opens", "clicks", "all":
		default:
			return keyError(key+".tracking", "%q is not one of none, opens, clicks, all", t.Tracking)
		}
		if t.BounceDomain != "" && !containsFold(c.Inbound.Domains, t.BounceDomain) {
			return keyError(key+".bounce_domain", "%q is not one of inbound.domains", t.BounceDomain)
		}
		if err := checkWebhook(key+".webhook", t.Webhook); err != nil {
			return err
		}
	}
	if s.TrustedTenant != "" && !names[s.TrustedTenant] {
		return keyError("submission.trusted_tenant", "no tenant named %q", s.TrustedTenant)
	}
	if len(s.TrustedNetworks) > 0 && s.TrustedTenant == "" {
		return keyError("submission.trusted_tenant", "required when trusted_networks is set")
	}
	q := c.Queue
	if q.RetryFirst.Duration <= 0 || q.RetryMax.Duration < q.RetryFirst.Duration {
		return keyError("queue.retry_max", "need 0 < retry_first <= retry_max")
	}
	if q.MaxAge.Duration <= 0 {
		return keyError("queue.max_age", "must be positive")
	}
	if q.MaxInFlight <= 0 {
		return keyError("queue.max_in_flight", "must be positive")
	}
	if q.DirectoryRetention.Duration < 24*time.Hour {
		return keyError("queue.directory_retention", "must be at least 24h (returns arrive days late)")
	}
	if c.Suppression.SoftThreshold < 0 {
		return keyError("suppression.soft_threshold", "must not be negative")
	}
	if c.Suppression.SoftThreshold > 0 && c.Suppression.SoftWindow.Duration <= 0 {
		return keyError("suppression.soft_window", "must be positive")
	}
	for i, d := range c.Inbound.Domains {
		if d == "" || strings.ContainsAny(d, "@ ") {
			return keyError(fmt.Sprintf("inbound.domains[%d]", i), "%q is not a domain", d)
		}
	}
	for i, l := range c.Inbound.FBLLocalParts {
		if l == "" || strings.ContainsAny(l, "@ ") || strings.HasPrefix(strings.ToLower(l), "b.") || strings.HasPrefix(strings.ToLower(l), "u.") {
			return keyError(fmt.Sprintf("inbound.fbl_local_parts[%d]", i), "%q is not a usable local part", l)
		}
	}
	switch c.Tracking.IPMode {
	case "truncate", "none", "full":
	default:
		return keyError("tracking.ip_mode", "%q is not one of truncate, none, full", c.Tracking.IPMode)
	}
	for i, n := range c.Tracking.TrustedProxies {
		if _, err := netip.ParsePrefix(n); err != nil {
			return keyError(fmt.Sprintf("tracking.trusted_proxies[%d]", i), "%q is not a CIDR prefix", n)
		}
	}
	if c.Tracking.Retention.Duration < 24*time.Hour {
		return keyError("tracking.retention", "must be at least 24h")
	}
	if c.Tracking.MaxTokenAge.Duration < 0 {
		return keyError("tracking.max_token_age", "must not be negative")
	}
	if u := c.Tracking.BaseURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
			return keyError("tracking.base_url", "%q is not an absolute http(s) URL without query", u)
		}
	}
	for i, sec := range append([]string{c.Tracking.TokenSecret}, c.Tracking.PreviousTokenSecrets...) {
		key := "tracking.token_secret"
		if i > 0 {
			key = fmt.Sprintf("tracking.previous_token_secrets[%d]", i-1)
		}
		if sec == "" && i == 0 {
			continue
		}
		if b, err := hex.DecodeString(sec); err != nil || len(b) < 32 {
			return keyError(key, "must be at least 32 bytes, hex-encoded")
		}
	}
	d := c.Delivery
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
	if len(c.Pools) > 0 && !poolNames[d.DefaultPool] {
		return keyError("delivery.default_pool", "no pool named %q", d.DefaultPool)
	}
	if len(c.Pools) == 0 && d.DefaultPool != "default" {
		return keyError("delivery.default_pool", "no pools are configured")
	}
	for i, t := range c.Tenants {
		for j, pn := range t.Pools {
			if pn != "default" && !poolNames[pn] {
				return keyError(fmt.Sprintf("tenant[%d].pools[%d]", i, j), "no pool named %q", pn)
			}
		}
	}
	for i, r := range c.Routes {
		key := fmt.Sprintf("route[%d]", i)
		if r.Domain == "" {
			return keyError(key+".domain", "must not be empty (use \"*\" for every domain)")
		}
		if err := checkHostPort(r.Host); err != nil {
			return keyError(key+".host", "%v", err)
		}
	}
	for name, keys := range map[string][]DKIMKey{"dkim.key": c.DKIM.Keys, "dkim.esp_key": c.DKIM.ESPKeys} {
		for i, k := range keys {
			key := fmt.Sprintf("%s[%d]", name, i)
			if k.Domain == "" || k.Selector == "" || k.File == "" {
				return keyError(key, "domain, selector and file are all required")
			}
		}
	}
	if c.DKIM.Expiration.Duration < 0 {
		return keyError("dkim.expiration", "must not be negative")
	}
	w := c.Webhooks
	for key, v := range map[string]Duration{"webhooks.max_age": w.MaxAge, "webhooks.timeout": w.Timeout, "webhooks.retry_first": w.RetryFirst} {
		if v.Duration <= 0 {
			return keyError(key, "must be positive")
		}
	}
	if w.RetryMax.Duration < w.RetryFirst.Duration {
		return keyError("webhooks.retry_max", "need retry_first <= retry_max")
	}
	if w.BatchSize <= 0 || w.BatchSize > 1000 {
		return keyError("webhooks.batch_size", "must be between 1 and 1000")
	}
	switch c.DKIM.RSAEngine {
	case "", "auto", "openssl", "go":
	default:
		return keyError("dkim.rsa_engine", "must be auto, openssl or go, not %q", c.DKIM.RSAEngine)
	}
	return nil
}

// webhookKinds are the event kinds a tenant's webhook may be limited to.
var webhookKinds = []string{"sent", "delivered", "deferred", "failed", "bounce", "complaint", "open", "click", "unsubscribe"}

// minWebhookSecret is the shortest webhook secret, in bytes
// (tracking/webhook.MinSecretLen).
const minWebhookSecret = 16

// checkWebhook validates a tenant's [tenant.webhook] table, key being its
// name ("tenant[0].webhook"). Errors do not echo the URL: it may hold
// credentials.
func checkWebhook(key string, w Webhook) error {
	if w.URL == "" {
		if w.Secret != "" || len(w.Kinds) > 0 {
			return keyError(key+".url", "required when secret or kinds is set")
		}
		return nil
	}
	u, err := url.Parse(w.URL)
	if err != nil || u.Host == "" || u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return keyError(key+".url", "must be an absolute https URL without fragment")
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return keyError(key+".url", "must be https (http is allowed on loopback only)")
	}
	if len(w.Secret) < minWebhookSecret {
		return keyError(key+".secret", "must be at least %d bytes", minWebhookSecret)
	}
	for i, k := range w.Kinds {
		if !slices.Contains(webhookKinds, k) {
			return keyError(fmt.Sprintf("%s.kinds[%d]", key, i), "%q is not one of %s", k, strings.Join(webhookKinds, ", "))
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
