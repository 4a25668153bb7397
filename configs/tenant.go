package configs

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"sluice/internal/event"
	"sluice/queue"
)

// Tenant is one customer whose applications submit mail.
type Tenant struct {
	// Name identifies the tenant in logs, metrics and the admin API.
	Name string `toml:"name"`
	// Username for SMTP AUTH. Default: the tenant's name.
	Username string `toml:"username"`
	// PasswordHash is a bcrypt hash ($2a$/$2b$/$2y$) of the SMTP password;
	// `sluice hash-password` makes one. Never a clear password. A reload
	// that changes it ends the tenant's open sessions at their next MAIL
	// (421 4.7.0), as a revoked credential does.
	PasswordHash string `toml:"password_hash"`
	// SenderDomains are the domains this tenant may use in MAIL FROM
	// (subdomains included). Required.
	SenderDomains []string `toml:"sender_domains"`
	// MaxMessageBytes and MaxRecipients tighten the submission limits for
	// this tenant. 0: the submission defaults.
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	MaxRecipients   int   `toml:"max_recipients"`
	// BounceDomain, one of inbound.domains, gives this tenant's mail a VERP
	// envelope sender b.<token>@BounceDomain so every bounce is attributed
	// to its message and recipient. Empty: the submitted sender is kept.
	BounceDomain string `toml:"bounce_domain"`
	// FromAllow are more domains (subdomains included) or full addresses
	// this tenant may use in the From and Sender header fields — never as
	// envelope sender — for ESP-style tenants that send as their
	// customers' addresses. Default empty: the From and Sender addresses
	// must be in sender_domains.
	FromAllow []string `toml:"from_allow"`
	// MaxSessions caps this tenant's authenticated sessions at once.
	// Default 0: submission.max_sessions_per_tenant; -1: no cap.
	MaxSessions int `toml:"max_sessions"`
	// Tracking is the default for this tenant's mail: "none", "opens",
	// "clicks" or "all"; a message's X-Sluice-Track overrides it. Default
	// "none". Marketing mail gets List-Unsubscribe whatever this says
	// (when tracking.base_url is set).
	Tracking string `toml:"tracking"`
	// TrackText also rewrites bare URLs in text parts. Default false.
	TrackText bool `toml:"track_text"`
	// DisplayName is shown on the unsubscribe page. Default: name.
	DisplayName string `toml:"display_name"`
	// Pools this tenant may send from; the first is its default, and a
	// message may pick another with X-Sluice-Pool. Default: the default
	// pool only.
	Pools []string `toml:"pools"`
	// RateLimit caps this tenant's submissions, in messages per second
	// (a float: 0.5 is one every two seconds), checked at MAIL FROM; over
	// it the client gets 451 4.7.1. Default 0: no limit.
	RateLimit float64 `toml:"rate_limit"`
	// RateBurst is how many messages may arrive at once within
	// rate_limit. Default 0: rate_limit rounded up, at least 1. Needs
	// rate_limit.
	RateBurst int `toml:"rate_burst"`
	// DailyQuota caps this tenant's messages per UTC day (a message is
	// one accepted DATA, whatever its recipients), checked at MAIL FROM;
	// once reached the client gets 451 4.7.1 until midnight UTC. Default
	// 0: no quota.
	DailyQuota int64 `toml:"daily_quota"`
	// Priority is the default and the highest priority of this tenant's
	// mail within its stream: "high", "normal" or "low". A message's
	// X-Sluice-Priority may lower it, never raise it: priorities order
	// every tenant's mail to a destination, so a tenant that could mark
	// its own backlog high would hold every other tenant's back. A tenant
	// that marks some mail high and the rest normal gets "high" here and
	// marks the rest. Default "normal".
	Priority string `toml:"priority"`
	// Webhook pushes this tenant's events to its endpoint. Default: none.
	Webhook Webhook `toml:"webhook"`
	// Reputation overrides [reputation]'s thresholds for this tenant.
	Reputation TenantReputation `toml:"reputation"`
	// Transactional lets this tenant mark mail "X-Sluice-Stream:
	// transactional", which marketing unsubscribes and the reputation
	// guard's pause of marketing do not hold back; without it such mail is
	// refused 550 5.7.1. Default true for [[tenant]] tables (the operator
	// wrote them; existing setups keep their password resets flowing):
	// set it false for tenants that should send marketing only.
	Transactional *bool `toml:"transactional"`
}

// TransactionalAllowed reports whether the tenant may send transactional
// mail (Transactional, default true).
func (t Tenant) TransactionalAllowed() bool {
	return t.Transactional == nil || *t.Transactional
}

// Webhook is a tenant's event webhook ([tenant.webhook]): every event
// stored for the tenant (sent, delivered, deferred, failed, deleted, bounce,
// complaint, open, click, unsubscribe; never the anonymous DNT/GPC ones)
// is POSTed to URL in signed JSON batches, from a durable outbox
// (tracking/webhook).
type Webhook struct {
	// URL receives the POSTs: https, or http on loopback only (tests,
	// development). Empty: no webhook.
	URL string `toml:"url"`
	// Secret keys the HMAC-SHA256 Sluice-Signature header; its bytes are
	// used as is. At least 16 bytes; required with url.
	Secret string `toml:"secret"`
	// Kinds restricts the events sent to these kinds. Default: all.
	Kinds []string `toml:"kinds"`
}

// validateTenants checks the [[tenant]] tables, and what refers to them
// (submission.trusted_tenant) or what they refer to (inbound.domains,
// pools).
func (c *Config) validateTenants() error {
	names := map[string]bool{}
	users := map[string]bool{}
	owners := map[string]string{} // sender domain → tenant
	for i, t := range c.Tenants {
		key := fmt.Sprintf("tenant[%d]", i)
		// Two tenants claiming one sender domain could both send and sign
		// as it, and submission could not tell whose it is (nested
		// domains are fine: the most specific claim owns a subdomain).
		for j, d := range t.SenderDomains {
			k := strings.ToLower(strings.TrimSuffix(d, "."))
			if o, ok := owners[k]; ok && o != t.Name {
				return keyError(fmt.Sprintf("%s.sender_domains[%d]", key, j), "%q is tenant %q's sender domain too", d, o)
			}
			owners[k] = t.Name
		}
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
		if err := t.validate(key, c.Inbound.Domains); err != nil {
			return err
		}
	}
	s := c.Submission
	if s.TrustedTenant != "" && !names[s.TrustedTenant] {
		return keyError("submission.trusted_tenant", "no tenant named %q", s.TrustedTenant)
	}
	if len(s.TrustedNetworks) > 0 && s.TrustedTenant == "" {
		return keyError("submission.trusted_tenant", "required when trusted_networks is set")
	}
	return c.TenantStore.validate()
}

// validate checks one tenant's own keys; key is its name ("tenant[0]").
func (t Tenant) validate(key string, inboundDomains []string) error {
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
	for j, a := range t.FromAllow {
		local, dom, hasAt := strings.Cut(a, "@")
		if !hasAt {
			dom, local = local, "x"
		}
		if local == "" || dom == "" || strings.ContainsAny(a, " <>,;") || strings.Count(a, "@") > 1 {
			return keyError(fmt.Sprintf("%s.from_allow[%d]", key, j), "%q is not a domain or an address", a)
		}
	}
	if t.MaxSessions < -1 {
		return keyError(key+".max_sessions", "must be -1 (no cap), 0 (the server's) or positive")
	}
	if t.MaxMessageBytes < 0 || t.MaxRecipients < 0 {
		return keyError(key+".max_message_bytes", "limits must not be negative")
	}
	switch t.Tracking {
	case "", "none", "opens", "clicks", "all":
	default:
		return keyError(key+".tracking", "%q is not one of none, opens, clicks, all", t.Tracking)
	}
	if err := t.validateLimits(key); err != nil {
		return err
	}
	if _, ok := t.PriorityValue(); !ok {
		return keyError(key+".priority", "%q is not one of high, normal, low", t.Priority)
	}
	if t.BounceDomain != "" && !containsFold(inboundDomains, t.BounceDomain) {
		return keyError(key+".bounce_domain", "%q is not one of inbound.domains", t.BounceDomain)
	}
	return t.Webhook.validate(key + ".webhook")
}

// PriorityValue is the tenant's priority as the spool knows it; "" is
// normal. False when it is not one of high, normal, low.
func (t Tenant) PriorityValue() (queue.Priority, bool) {
	if t.Priority == "" {
		return queue.PriorityNormal, true
	}
	return queue.ParsePriority(t.Priority)
}

// validateLimits checks a tenant's submission limits (rate_limit,
// rate_burst, daily_quota); key is its name ("tenant[0]").
func (t Tenant) validateLimits(key string) error {
	switch {
	case math.IsNaN(t.RateLimit) || math.IsInf(t.RateLimit, 0):
		return keyError(key+".rate_limit", "must be a number of messages per second")
	case t.RateLimit < 0:
		return keyError(key+".rate_limit", "must not be negative (0: no limit)")
	case t.RateBurst < 0:
		return keyError(key+".rate_burst", "must not be negative (0: rate_limit rounded up)")
	case t.RateBurst > 0 && t.RateLimit == 0:
		return keyError(key+".rate_burst", "needs rate_limit")
	case t.DailyQuota < 0:
		return keyError(key+".daily_quota", "must not be negative (0: no quota)")
	}
	return nil
}

// A tenant's webhook may be limited to the kinds the events store
// records: event.Stored, the one list.

// minWebhookSecret is the shortest webhook secret, in bytes
// (tracking/webhook.MinSecretLen).
const minWebhookSecret = 16

// validate checks a tenant's [tenant.webhook] table, key being its name
// ("tenant[0].webhook"). Errors do not echo the URL: it may hold
// credentials.
func (w Webhook) validate(key string) error {
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
		if kinds := event.Stored(); !slices.Contains(kinds, event.Kind(k)) {
			return keyError(fmt.Sprintf("%s.kinds[%d]", key, i), "%q is not one of %s", k, event.Join(kinds, ", "))
		}
	}
	return nil
}
