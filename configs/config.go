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

	Log         Log         `toml:"log"`
	Submission  Submission  `toml:"submission"`
	Inbound     Inbound     `toml:"inbound"`
	Tracking    Tracking    `toml:"tracking"`
	Admin       Admin       `toml:"admin"`
	Queue       Queue       `toml:"queue"`
	Delivery    Delivery    `toml:"delivery"`
	DKIM        DKIM        `toml:"dkim"`
	Suppression Suppression `toml:"suppression"`
	Shaping     Shaping     `toml:"shaping"`
	Webhooks    Webhooks    `toml:"webhooks"`
	Tenants     []Tenant    `toml:"tenant"`
	Routes      []Route     `toml:"route"`
	Sources     []Source    `toml:"source"`
	Pools       []Pool      `toml:"pool"`
}

// Log configures structured logging (slog, JSON lines on stderr).
type Log struct {
	// Level: "debug", "info", "warn" or "error". Default "info".
	Level string `toml:"level"`
}

// Submission configures the SMTP submission server tenants' applications
// send to.
type Submission struct {
	// Listen is the address of the submission server. Default
	// "127.0.0.1:2587".
	Listen string `toml:"listen"`
	// TLSCert and TLSKey are PEM files for STARTTLS. Empty: a self-signed
	// certificate is generated under data_dir/tls on first start.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// AllowPlaintextAuthOnLoopback lets clients on 127.0.0.0/8 and ::1
	// authenticate without STARTTLS. Default false: AUTH needs TLS.
	AllowPlaintextAuthOnLoopback bool `toml:"allow_plaintext_auth_on_loopback"`
	// MaxMessageBytes caps a message (SIZE); a tenant may set less.
	// Default 26214400 (25 MiB).
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	// MaxRecipients caps RCPT TO per message; a tenant may set less.
	// Default 1000.
	MaxRecipients int `toml:"max_recipients"`
	// MaxSessions caps concurrent submission sessions; more get 421.
	// Default 1000.
	MaxSessions int `toml:"max_sessions"`
	// ReadTimeout and WriteTimeout bound each read and write on a session.
	// Default "5m" each (RFC 5321 §4.5.3.2 server timeout).
	ReadTimeout  Duration `toml:"read_timeout"`
	WriteTimeout Duration `toml:"write_timeout"`
	// TrustedNetworks (CIDRs) may submit without AUTH, as TrustedTenant.
	// Default empty: everyone authenticates.
	TrustedNetworks []string `toml:"trusted_networks"`
	// TrustedTenant names the tenant mail from TrustedNetworks belongs to.
	TrustedTenant string `toml:"trusted_tenant"`
}

// Tenant is one customer whose applications submit mail.
type Tenant struct {
	// Name identifies the tenant in logs, metrics and the admin API.
	Name string `toml:"name"`
	// Username for SMTP AUTH. Default: the tenant's name.
	Username string `toml:"username"`
	// PasswordHash is a bcrypt hash ($2a$/$2b$/$2y$) of the SMTP password;
	// `sluice hash-password` makes one. Never a clear password.
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
	// Webhook pushes this tenant's events to its endpoint. Default: none.
	Webhook Webhook `toml:"webhook"`
}

// Webhook is a tenant's event webhook ([tenant.webhook]): every event
// stored for the tenant (sent, delivered, deferred, failed, bounce,
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
}

// Pool is a named group of sources; each message's jobs go out from its
// pool's sources in turn.
type Pool struct {
	Name    string   `toml:"name"`
	Sources []string `toml:"sources"`
}

// Inbound configures the MX that receives bounces and complaints.
type Inbound struct {
	// Listen address. Default "127.0.0.1:2525".
	Listen string `toml:"listen"`
	// Domains are the bounce / feedback-loop domains this MX accepts mail
	// for (publish their MX at this node); everything else is refused.
	// Default empty: the MX refuses everything.
	Domains []string `toml:"domains"`
	// FBLLocalParts are the mailboxes, at any of Domains, that receive
	// feedback-loop (ARF) reports. Default ["fbl"].
	FBLLocalParts []string `toml:"fbl_local_parts"`
}

// Suppression configures when failures stop mail to an address.
type Suppression struct {
	// SoftThreshold soft failures (mailbox full, temporary) that ended a
	// message within SoftWindow suppress the address. Default 3; 0 never.
	SoftThreshold int `toml:"soft_threshold"`
	// SoftWindow. Default "168h" (7 days).
	SoftWindow Duration `toml:"soft_window"`
}

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

// Admin configures the admin API and /metrics.
type Admin struct {
	// Listen address. Default "127.0.0.1:8025".
	Listen string `toml:"listen"`
	// Token is the bearer token of the admin API. Empty: one is generated
	// into data_dir/admin.token on first start (mode 0600).
	Token string `toml:"token"`
}

// Queue configures retries and how much work is in flight.
type Queue struct {
	// RetryFirst is the wait after the first temporary failure; it doubles
	// per attempt up to RetryMax. Defaults "5m" and "1h" (like Postfix).
	RetryFirst Duration `toml:"retry_first"`
	RetryMax   Duration `toml:"retry_max"`
	// MaxAge: a message still failing temporarily after this long fails
	// with reason "expired". Default "120h" (5 days).
	MaxAge Duration `toml:"max_age"`
	// MaxInFlight caps the recipients claimed for delivery at once (the
	// memory bound of delivery). Default 5000.
	MaxInFlight int `toml:"max_in_flight"`
	// DirectoryRetention is how long (message, recipient) → address entries
	// are kept after acceptance to attribute late returns. Default "720h".
	DirectoryRetention Duration `toml:"directory_retention"`
}

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
}

// DKIM configures signing keys. A message is signed with every key of its
// From domain (or the nearest parent domain that has keys).
type DKIM struct {
	// Keys per signing domain; two keys for one domain (RSA and Ed25519)
	// give dual signatures (RFC 8463).
	Keys []DKIMKey `toml:"key"`
	// ESPKeys add a second signature, with the sending service's own
	// domain, to every message (for feedback loops keyed on d=).
	ESPKeys []DKIMKey `toml:"esp_key"`
	// Expiration sets x= this long after t=. Default "0s": no x=.
	Expiration Duration `toml:"expiration"`
	// RSAEngine picks the RSA signing code: "auto" (the default) uses the
	// system's OpenSSL 3 libcrypto when it loads and passes its self-check,
	// else Go's crypto/rsa; "openssl" requires OpenSSL (start-up fails
	// without it); "go" always uses crypto/rsa; "" means "auto". OpenSSL
	// signs RSA-2048 about 2.8 times faster on x86-64 (dkim/openssl);
	// while it does, `sluice serve` raises GOMAXPROCS (see tuneProcs).
	RSAEngine string `toml:"rsa_engine"`
}

// DKIMKey is one signing key.
type DKIMKey struct {
	Domain   string `toml:"domain"`
	Selector string `toml:"selector"`
	// File is the PEM private key (RSA or Ed25519).
	File string `toml:"file"`
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

// Route sends mail for a domain to a fixed host instead of its MX (tests,
// smarthosts).
type Route struct {
	// Domain is matched exactly (case-insensitive), or "*" for everything.
	Domain string `toml:"domain"`
	// Host is "host:port".
	Host string `toml:"host"`
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
