package configs

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
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
	// (with admin.token set to that node's token). Unused by serve.
	SuppressVia string `toml:"suppress_via"`
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
	return nil
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
