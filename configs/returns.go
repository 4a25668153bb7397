package configs

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

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
	// FBLProviders are the feedback-loop providers whose DKIM-signed
	// reports are trusted to name the complainer by our message id and
	// their address: a domain (the signature's d= in it, the report's From
	// in d=) or, for mailbox providers whose users send signed mail too,
	// the exact address their feedback loop sends from. Without such a
	// signature a complaint or bounce suppresses only with proof a forger
	// cannot make for someone else (our VERP address, or that recipient's
	// tracking or unsubscribe token in the returned copy). Default empty.
	FBLProviders []string `toml:"fbl_providers"`
	// SendingIPs are the public addresses (IPs or CIDRs) our mail leaves
	// from as receivers see them (NAT, proxies), added to the [[source]]
	// addresses. A provider-signed report is applied only when its
	// Source-IP (RFC 5965 §3.2, written by the provider) is one of them.
	// Default empty.
	SendingIPs []string `toml:"sending_ips"`
	// DKIMTimeout bounds the DNS lookups that verify one report's
	// signatures. Default "15s".
	DKIMTimeout Duration `toml:"dkim_timeout"`
	// PolicyQuorum is how many distinct mailboxes must have returned a
	// policy or spam refusal for one (source, site) within an hour before
	// such returns slow the source there or mark it blocklisted: a
	// recipient can read its own VERP address and forge one. Default 3;
	// 1 feeds every proven return.
	PolicyQuorum int `toml:"policy_quorum"`
	// MaxConns caps the inbound MX's connections, and MaxConnsPerIP one
	// client address's. Defaults 1000 and 20.
	MaxConns      int `toml:"max_conns"`
	MaxConnsPerIP int `toml:"max_conns_per_ip"`
	// ProxyProtocolFrom: as submission.proxy_protocol_from. Default empty.
	ProxyProtocolFrom []string `toml:"proxy_protocol_from"`
	// TLSCert and TLSKey are PEM files of the certificate the inbound MX
	// offers with STARTTLS (RFC 3207). Empty: the submission's.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
}

// Suppression configures when failures stop mail to an address.
type Suppression struct {
	// SoftThreshold soft failures (mailbox full, temporary) that ended a
	// message within SoftWindow suppress the address. Default 3; 0 never.
	SoftThreshold int `toml:"soft_threshold"`
	// SoftWindow. Default "168h" (7 days).
	SoftWindow Duration `toml:"soft_window"`
}

// validate checks the [inbound] table.
func (in Inbound) validate() error {
	if (in.TLSCert == "") != (in.TLSKey == "") {
		return keyError("inbound.tls_cert", "tls_cert and tls_key must be set together")
	}
	for i, d := range in.Domains {
		if d == "" || strings.ContainsAny(d, "@ ") {
			return keyError(fmt.Sprintf("inbound.domains[%d]", i), "%q is not a domain", d)
		}
	}
	for i, l := range in.FBLLocalParts {
		if l == "" || strings.ContainsAny(l, "@ ") || strings.HasPrefix(strings.ToLower(l), "b.") || strings.HasPrefix(strings.ToLower(l), "u.") {
			return keyError(fmt.Sprintf("inbound.fbl_local_parts[%d]", i), "%q is not a usable local part", l)
		}
	}
	for i, p := range in.FBLProviders {
		if p == "" || strings.ContainsAny(p, " <>,;") || strings.Count(p, "@") > 1 || strings.HasPrefix(p, "@") || strings.HasSuffix(p, "@") {
			return keyError(fmt.Sprintf("inbound.fbl_providers[%d]", i), "%q is not a domain or an address", p)
		}
	}
	for i, a := range in.SendingIPs {
		if _, err := parseAddrOrPrefix(a); err != nil {
			return keyError(fmt.Sprintf("inbound.sending_ips[%d]", i), "%q is not an IP address or CIDR prefix", a)
		}
	}
	if in.DKIMTimeout.Duration <= 0 {
		return keyError("inbound.dkim_timeout", "must be positive")
	}
	if in.PolicyQuorum < 0 {
		return keyError("inbound.policy_quorum", "must not be negative (0: the default, 3)")
	}
	if in.MaxConns <= 0 || in.MaxConnsPerIP <= 0 {
		return keyError("inbound.max_conns", "max_conns and max_conns_per_ip must be positive")
	}
	if err := checkPrefixes("inbound.proxy_protocol_from", in.ProxyProtocolFrom); err != nil {
		return err
	}
	return nil
}

// parseAddrOrPrefix reads "192.0.2.1" as 192.0.2.1/32 (or /128), or a
// CIDR prefix.
func parseAddrOrPrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	return netip.ParsePrefix(s)
}

// SendingPrefixes are the addresses our mail leaves from: every
// [[source]] address and inbound.sending_ips.
func (c *Config) SendingPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.Sources {
		if p, err := parseAddrOrPrefix(s.Address); err == nil && s.Address != "" {
			out = append(out, p)
		}
	}
	for _, s := range c.Inbound.SendingIPs {
		if p, err := parseAddrOrPrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// BounceRule is an operator's classification rule ([[bounce_rule]]),
// tried before the built-in rules, in order, first match wins; its verdict
// is decisive (it may suppress). At least one of pattern, code, enhanced;
// site narrows them; class or reason (the class follows from the reason).
// mta/bounce checks classes and reasons at start-up: a bad rule stops it
// with a line naming the rule.
type BounceRule struct {
	// Name identifies the rule in errors and in classification results.
	Name string `toml:"name"`
	// Pattern is an RE2 regular expression, case-insensitive, searched in
	// the reply text or the diagnostic.
	Pattern string `toml:"pattern"`
	// Code, if not 0, must equal the reply code (200-599).
	Code int `toml:"code"`
	// Enhanced, if set, must match the RFC 3463 code: "5.7.1", "5.7." (any
	// detail) or "x.7.1" (either class).
	Enhanced string `toml:"enhanced"`
	// Site, if set: the recipient's domain or the reporting MTA's host, or
	// a parent domain of either.
	Site string `toml:"site"`
	// Class (e.g. "soft_mailbox_full") and Reason (e.g. "mailbox_full").
	Class  string `toml:"class"`
	Reason string `toml:"reason"`
}

// validateBounceRules checks what can be checked without mta/bounce.
func (c *Config) validateBounceRules() error {
	for i, r := range c.BounceRules {
		key := fmt.Sprintf("bounce_rule[%d]", i)
		if r.Pattern == "" && r.Code == 0 && r.Enhanced == "" {
			return keyError(key, "needs a pattern, a code or an enhanced code")
		}
		if r.Pattern != "" {
			if _, err := regexp.Compile("(?i)" + r.Pattern); err != nil {
				return keyError(key+".pattern", "not a regular expression: %v", err)
			}
		}
		if r.Code != 0 && (r.Code < 200 || r.Code > 599) {
			return keyError(key+".code", "%d is not an SMTP reply code", r.Code)
		}
		if r.Class == "" && r.Reason == "" {
			return keyError(key+".class", "a class or a reason is required")
		}
	}
	return nil
}

// validate checks the [suppression] table.
func (s Suppression) validate() error {
	if s.SoftThreshold < 0 {
		return keyError("suppression.soft_threshold", "must not be negative")
	}
	if s.SoftThreshold > 0 && s.SoftWindow.Duration <= 0 {
		return keyError("suppression.soft_window", "must be positive")
	}
	return nil
}
