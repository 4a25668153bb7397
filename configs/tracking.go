package configs

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Tracking configures the HTTP tracking edge and the tokens it shares with
// the inbound MX.
type Tracking struct {
	// Listen address. Default "127.0.0.1:8080".
	Listen string `toml:"listen"`
	// TokenSecret signs tokens (tracking links, VERP addresses): at least
	// 32 bytes, hex-encoded. Empty: generated into data_dir/token.secret on
	// first start. Every node of a cluster needs the same secret.
	TokenSecret string `toml:"token_secret"`
	// PreviousTokenSecrets are still accepted (key rotation), newest first.
	PreviousTokenSecrets []string `toml:"previous_token_secrets"`
	// BaseURL is the edge's public URL ("https://t.example.com"): tracking
	// links, the open pixel and the List-Unsubscribe URL point there.
	// Empty: no rewriting at all (no tracking, no List-Unsubscribe).
	BaseURL string `toml:"base_url"`
	// IPMode says what is kept of a client's IP: "truncate" (/24, /48),
	// "none" or "full". Default "truncate".
	IPMode string `toml:"ip_mode"`
	// KeepUserAgent stores raw user agents besides their class. Default
	// false.
	KeepUserAgent bool `toml:"keep_user_agent"`
	// TrustedProxies (CIDRs) may set X-Forwarded-For. Default none.
	TrustedProxies []string `toml:"trusted_proxies"`
	// MaxConnsPerAddr caps one client's connections to the edge (per IPv4
	// address, per IPv6 /64; trusted_proxies exempt): over it, 429 on
	// plain HTTP, closed on HTTPS. Default 256; -1: no cap.
	MaxConnsPerAddr int `toml:"max_conns_per_addr"`
	// MaxConns caps the edge's connections in all. Default 10000; -1:
	// fasthttp's own default.
	MaxConns int `toml:"max_conns"`
	// AppleCIDRsFile lists Apple's egress ranges (Apple's
	// egress-ip-ranges.csv works as is). Empty: the shipped default.
	AppleCIDRsFile string `toml:"apple_cidrs_file"`
	// AppleOpensHuman counts Apple Mail Privacy Protection opens as human.
	// Default false: Apple fetches every image on delivery, read or not.
	AppleOpensHuman bool `toml:"apple_opens_human"`
	// Retention: events older than this are purged. Default "2160h" (90
	// days); statistics counters stay.
	Retention Duration `toml:"retention"`
	// MaxTokenAge refuses older tracking links (404). Default "0s": never.
	MaxTokenAge Duration `toml:"max_token_age"`
	// SuppressVia is the admin URL ("http://10.0.0.5:8025") of the node
	// that keeps suppressions, for `sluice edge` running apart from it
	// (with admin.token set to that node's token): required for `sluice
	// edge` without [cluster]. With [cluster] it is unused: unsubscribes
	// go to the edge's own spool (data_dir/edge-suppressions.db) and
	// through Redis to every node (cluster.node_id, if set for an edge,
	// is at most 11 characters: "edge-" is prefixed). Unused by serve.
	SuppressVia string `toml:"suppress_via"`

	// HTTPSAddr is the address of the edge's HTTPS listener
	// ("0.0.0.0:443"). Empty: no HTTPS (a proxy in front may terminate
	// it). Needs a certificate: TLSCert and TLSKey, or ACMEHosts. With
	// base_url https, plain-HTTP requests then get a 308 to base_url's
	// origin (except /healthz and ACME HTTP-01 challenges).
	HTTPSAddr string `toml:"https_addr"`
	// TLSCert and TLSKey are PEM files (certificate chain, key) served
	// for every name not in ACMEHosts; set both or neither. Reloaded on
	// SIGHUP and when they change (checked every minute).
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// ACMEHosts are the only names certificates are requested for from an
	// ACME CA (RFC 8555), each a domain name with a dot. Certificates and
	// the account key are kept in data_dir/acme (0600) and renewed a third
	// of their lifetime before expiry. The CA validates on the HTTPS
	// listener (TLS-ALPN-01, port 443) or on listen (HTTP-01, port 80).
	// Default none.
	ACMEHosts []string `toml:"acme_hosts"`
	// ACMETenantHosts also requests certificates for the tracking hosts
	// tenants kept as data have (`ctl tenant update --tracking-host`), as
	// they are set, without a restart. Default false.
	ACMETenantHosts bool `toml:"acme_tenant_hosts"`
	// ACMEEmail is the ACME account's contact address. Optional.
	ACMEEmail string `toml:"acme_email"`
	// ACMEDirectory is the CA's directory URL (https). Empty: Let's
	// Encrypt's production directory.
	ACMEDirectory string `toml:"acme_directory"`
}

// Webhooks configures how tenants' webhooks are delivered.
type Webhooks struct {
	// MaxAge: events still undelivered this long after they were queued
	// are dropped (and counted). Default "72h".
	MaxAge Duration `toml:"max_age"`
	// Timeout bounds each request, answer included. Default "10s".
	Timeout Duration `toml:"timeout"`
	// BatchSize caps the events in one request. Default 100.
	BatchSize int `toml:"batch_size"`
	// RetryFirst is the wait after a failed request; it doubles with each
	// failure in a row up to RetryMax (each wait drawn between half and
	// all of that). A Retry-After answer sets the wait instead, within the
	// same bounds. Defaults "1s" and "10m".
	RetryFirst Duration `toml:"retry_first"`
	RetryMax   Duration `toml:"retry_max"`
}

// validate checks the [tracking] table.
func (t Tracking) validate() error {
	switch t.IPMode {
	case "truncate", "none", "full":
	default:
		return keyError("tracking.ip_mode", "%q is not one of truncate, none, full", t.IPMode)
	}
	for i, n := range t.TrustedProxies {
		if _, err := netip.ParsePrefix(n); err != nil {
			return keyError(fmt.Sprintf("tracking.trusted_proxies[%d]", i), "%q is not a CIDR prefix", n)
		}
	}
	if t.Retention.Duration < 24*time.Hour {
		return keyError("tracking.retention", "must be at least 24h")
	}
	if t.MaxTokenAge.Duration < 0 {
		return keyError("tracking.max_token_age", "must not be negative")
	}
	if t.MaxConnsPerAddr < -1 {
		return keyError("tracking.max_conns_per_addr", "must be -1 (no cap), 0 (the default) or more")
	}
	if t.MaxConns < -1 {
		return keyError("tracking.max_conns", "must be -1 (fasthttp's default), 0 (the default) or more")
	}
	if u := t.BaseURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
			return keyError("tracking.base_url", "%q is not an absolute http(s) URL without query", u)
		}
	}
	for i, sec := range append([]string{t.TokenSecret}, t.PreviousTokenSecrets...) {
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
	return t.validateHTTPS()
}

// validateHTTPS checks the HTTPS edge's keys: a listener needs a
// certificate source, and a certificate source needs the listener.
func (t Tracking) validateHTTPS() error {
	if t.HTTPSAddr != "" {
		if err := checkHostPort(t.HTTPSAddr); err != nil {
			return keyError("tracking.https_addr", "%v", err)
		}
	}
	if (t.TLSCert == "") != (t.TLSKey == "") {
		return keyError("tracking.tls_key", "tls_cert and tls_key go together: set both or neither")
	}
	for i, h := range t.ACMEHosts {
		n := strings.TrimSuffix(h, ".")
		if !strings.Contains(n, ".") || strings.ContainsAny(n, "*@/: ") || strings.HasPrefix(n, ".") {
			return keyError(fmt.Sprintf("tracking.acme_hosts[%d]", i), "%q is not a domain name", h)
		}
	}
	if d := t.ACMEDirectory; d != "" {
		if u, err := url.Parse(d); err != nil || u.Scheme != "https" || u.Host == "" {
			return keyError("tracking.acme_directory", "%q is not an https URL", d)
		}
	}
	hasCert := t.TLSCert != "" || len(t.ACMEHosts) > 0 || t.ACMETenantHosts
	switch {
	case t.HTTPSAddr != "" && !hasCert:
		return keyError("tracking.https_addr", "needs a certificate: tls_cert and tls_key, acme_hosts or acme_tenant_hosts")
	case t.HTTPSAddr == "" && hasCert:
		return keyError("tracking.https_addr", "required with tls_cert, acme_hosts or acme_tenant_hosts (nothing would serve the certificate)")
	case t.HTTPSAddr == "" && (t.ACMEEmail != "" || t.ACMEDirectory != ""):
		return keyError("tracking.acme_hosts", "required with acme_email or acme_directory")
	}
	return nil
}

// HTTPSRedirect is the origin plain-HTTP requests are sent to ("https://
// host[:port]" of base_url): set only when the edge serves HTTPS itself
// and base_url is https, so a proxy terminating TLS in front of a plain
// edge never sees a redirect loop.
func (t Tracking) HTTPSRedirect() string {
	if t.HTTPSAddr == "" {
		return ""
	}
	u, err := url.Parse(t.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return "https://" + u.Host
}

// validate checks the [webhooks] table.
func (w Webhooks) validate() error {
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
	return nil
}
