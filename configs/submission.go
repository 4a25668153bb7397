package configs

import (
	"fmt"
	"net/netip"
)

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

	// MaxLineLength is the longest line accepted in a submitted message,
	// in octets with its CRLF; longer lines get 500 5.5.2. Lines over
	// RFC 5322's 998 octets are made to conform before signing by
	// re-encoding only the affected MIME part (quoted-printable or
	// base64) or folding a long header line. Default 65536.
	MaxLineLength int `toml:"max_line_length"`

	// Per-address limits (mta/guard), counted from the TCP accept, before
	// any command: one client cannot lock the others out.
	// MaxPreAuth caps connections not yet authenticated; the rest of
	// MaxSessions is kept for authenticated tenants. Default 0: 90 % of
	// max_sessions.
	MaxPreAuth int `toml:"max_preauth"`
	// MaxConnsPerIP caps one client address's connections (IPv6: per
	// /64). Default 100.
	MaxConnsPerIP int `toml:"max_conns_per_ip"`
	// MaxPreAuthPerIP caps one client address's unauthenticated
	// connections. Default 50.
	MaxPreAuthPerIP int `toml:"max_preauth_per_ip"`
	// PreAuthTimeout is how long a connection may stay unauthenticated,
	// counted from accept (greeting, EHLO, STARTTLS and its handshake,
	// AUTH), whatever it sends. Default "30s".
	PreAuthTimeout Duration `toml:"preauth_timeout"`
	// MaxPreAuthCommands caps the commands before AUTH. Default 20; -1:
	// no cap.
	MaxPreAuthCommands int `toml:"max_preauth_commands"`
	// MaxSessionsPerTenant caps the authenticated sessions one tenant may
	// hold at once, checked at AUTH (over it: 421 4.7.0 and the
	// connection closes); a tenant's own max_sessions overrides it.
	// Default 100; 0: no cap.
	MaxSessionsPerTenant int `toml:"max_sessions_per_tenant"`
	// ProxyProtocolFrom (CIDRs) are load balancers whose connections
	// start with a PROXY protocol v1/v2 header naming the real client;
	// limits and logs then apply to that client. Default empty: no PROXY
	// protocol is accepted from anyone.
	ProxyProtocolFrom []string `toml:"proxy_protocol_from"`
	// AuthFailuresFree are the AUTH failures of one (username, address)
	// before each further attempt is delayed (1s, doubling up to 16s).
	// Default 3.
	AuthFailuresFree int `toml:"auth_failures_free"`
	// AuthLockoutAfter failures of one (username, address) refuse that
	// pair (454 4.7.0) for AuthLockout; an address is refused after three
	// times as many across usernames. A username is never locked out from
	// every address. Defaults 10 and "10m".
	AuthLockoutAfter int      `toml:"auth_lockout_after"`
	AuthLockout      Duration `toml:"auth_lockout"`
	// AuthMaxConcurrentChecks caps concurrent password (bcrypt) checks, so
	// guessing cannot starve real clients. Default 0: half the CPUs, at
	// least 2.
	AuthMaxConcurrentChecks int `toml:"auth_max_concurrent_checks"`

	// DataMemory bounds, in bytes, the message data all submission
	// sessions hold at once: read buffers, the prepared copy and, with
	// per-recipient tracking, every recipient's signed copy until the one
	// durable write. A message that finds it full waits
	// data_memory_wait, then gets 452 4.3.1 (the client retries; nothing
	// is queued). Default 0: a tenth of the memory the process may use
	// (the lowest of GOMEMLIMIT, the cgroup limit and RAM; the heap may
	// grow to about five times what is live under GOGC=400), at least
	// four max_message_bytes; -1: no bound. Set it to at least three
	// max_message_bytes, or the largest messages can never fit.
	DataMemory int64 `toml:"data_memory"`
	// DataMemoryWait is how long a message waits for room in data_memory
	// before 452 4.3.1. Default "5s".
	DataMemoryWait Duration `toml:"data_memory_wait"`
	// MaxCopyBytes bounds the bytes of per-recipient copies one message
	// may make when tracking rewrites it per recipient (size × recipients):
	// over it the message gets 552 5.3.4 naming how many recipients fit,
	// before any copy is built. Default 0: a quarter of data_memory, at
	// most 268435456 (256 MiB); -1: no bound.
	MaxCopyBytes int64 `toml:"max_copy_bytes"`
	// DataMemoryPerTenant bounds, in bytes, what one tenant's messages
	// hold of data_memory together, so that one tenant's stalled or huge
	// sessions cannot take the budget from the others (over it, only that
	// tenant gets 452 4.3.1). The last eighth of data_memory is kept for
	// small messages (at most 1 MiB held each) whatever the shares.
	// Default 0: a quarter of data_memory, or the room one message of
	// max_message_bytes needs (2 × max_message_bytes + 1 MiB +
	// max_copy_bytes) if more; else at least 2 × max_message_bytes +
	// max_copy_bytes and at most data_memory.
	DataMemoryPerTenant int64 `toml:"data_memory_per_tenant"`
	// DataTimeout bounds how long a message's data may take to arrive,
	// from DATA (or the first BDAT chunk) to its end, however the client
	// trickles it: past it the answer is 451 4.4.2, the connection is
	// closed and the message's memory released. Default "5m".
	DataTimeout Duration `toml:"data_timeout"`
}

// validate checks the [submission] table.
func (s Submission) validate() error {
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
	if err := checkPrefixes("submission.trusted_networks", s.TrustedNetworks); err != nil {
		return err
	}
	if err := checkPrefixes("submission.proxy_protocol_from", s.ProxyProtocolFrom); err != nil {
		return err
	}
	for key, v := range map[string]int{
		"submission.max_preauth": s.MaxPreAuth, "submission.max_conns_per_ip": s.MaxConnsPerIP,
		"submission.max_preauth_per_ip": s.MaxPreAuthPerIP, "submission.auth_lockout_after": s.AuthLockoutAfter,
	} {
		if v <= 0 {
			return keyError(key, "must be positive")
		}
	}
	if s.MaxLineLength < 1000 || s.MaxLineLength > 1<<20 {
		return keyError("submission.max_line_length", "must be between 1000 (RFC 5321) and 1048576")
	}
	if s.MaxPreAuth > s.MaxSessions {
		return keyError("submission.max_preauth", "must not exceed max_sessions")
	}
	if s.AuthFailuresFree < 0 || s.AuthFailuresFree >= s.AuthLockoutAfter {
		return keyError("submission.auth_failures_free", "need 0 <= auth_failures_free < auth_lockout_after")
	}
	if s.PreAuthTimeout.Duration <= 0 || s.AuthLockout.Duration <= 0 {
		return keyError("submission.preauth_timeout", "preauth_timeout and auth_lockout must be positive")
	}
	if s.MaxSessionsPerTenant < 0 || s.MaxPreAuthCommands < -1 {
		return keyError("submission.max_sessions_per_tenant", "max_sessions_per_tenant must not be negative, max_preauth_commands not below -1")
	}
	if s.AuthMaxConcurrentChecks < 0 {
		return keyError("submission.auth_max_concurrent_checks", "must not be negative")
	}
	return s.validateMemory()
}

// validateMemory checks the message memory keys.
func (s Submission) validateMemory() error {
	if s.DataMemory < -1 || s.DataMemory > 0 && s.DataMemory < 3*s.MaxMessageBytes {
		return keyError("submission.data_memory", "must be 0 (derived from memory), -1 (no bound) or at least 3 × max_message_bytes")
	}
	if s.DataMemoryWait.Duration < 0 {
		return keyError("submission.data_memory_wait", "must not be negative")
	}
	if s.MaxCopyBytes < -1 {
		return keyError("submission.max_copy_bytes", "must be 0 (a quarter of data_memory), -1 (no bound) or positive")
	}
	// A share below one message's room (its buffer and prepared copy,
	// its tracked copies) would refuse that message 452 for ever.
	one := 2*s.MaxMessageBytes + max(s.MaxCopyBytes, 0)
	if p := s.DataMemoryPerTenant; p < 0 || p > 0 && (p < one || s.DataMemory > 0 && p > s.DataMemory) {
		return keyError("submission.data_memory_per_tenant",
			"must be 0 (derived from data_memory) or between 2 × max_message_bytes + max_copy_bytes and data_memory")
	}
	if s.DataTimeout.Duration < 0 {
		return keyError("submission.data_timeout", "must not be negative (0: 5m)")
	}
	return nil
}

// checkPrefixes checks a list of CIDR prefixes named key.
func checkPrefixes(key string, list []string) error {
	for i, n := range list {
		if _, err := netip.ParsePrefix(n); err != nil {
			return keyError(fmt.Sprintf("%s[%d]", key, i), "%q is not a CIDR prefix", n)
		}
	}
	return nil
}
