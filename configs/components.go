package configs

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"time"

	"sluice/mta/bounce"
	"sluice/mta/guard"
	"sluice/mta/inbound"
	"sluice/mta/outbound"
	"sluice/mta/shaping"
	"sluice/mta/tlspolicy"
)

// This file and the other components_*.go say what a section means to
// the package that takes it: here the leaves (mta/guard, mta/bounce,
// mta/shaping, mta/tlspolicy); components_delivery.go (the spool and
// mta/delivery), components_tenants.go (mta/submit, dkim, the tenants
// store), components_tracking.go (the edge, its tokens and
// certificates), components_events.go (the events store's subscribers,
// the fleet member), components_tlsrpt.go (the TLS reporter). None of
// those packages imports configs, so cmd/sluice only wires the results
// together. Each method takes a validated Config: what validate checked
// is parsed here without checking again.

// Prefixes parses CIDRs that validation has checked.
func Prefixes(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// Guard is the submission listener's per-address connection limits.
func (s Submission) Guard() guard.ListenerConfig {
	return guard.ListenerConfig{
		MaxConns: s.MaxSessions, MaxPreAuth: s.MaxPreAuth,
		MaxConnsPerAddr: s.MaxConnsPerIP, MaxPreAuthPerAddr: s.MaxPreAuthPerIP,
		PreAuthTimeout: s.PreAuthTimeout.Duration, MaxPreAuthCommands: s.MaxPreAuthCommands,
		Trusted: Prefixes(s.TrustedNetworks), ProxyFrom: Prefixes(s.ProxyProtocolFrom),
	}
}

// AuthThrottle is submission's AUTH failure throttle (the logger and the
// metrics are the caller's). An address alone may fail three times as
// often as one (user, address) pair: several users behind one NAT.
func (s Submission) AuthThrottle() guard.ThrottleConfig {
	return guard.ThrottleConfig{
		FreeFailures: s.AuthFailuresFree, PairLimit: s.AuthLockoutAfter, AddrLimit: 3 * s.AuthLockoutAfter,
		LockFor: s.AuthLockout.Duration, MaxVerify: s.AuthMaxConcurrentChecks,
	}
}

// Guard is the inbound MX's connection caps (its clients never
// authenticate, so there is no pre-auth limit).
func (in Inbound) Guard() guard.ListenerConfig {
	// The command budget from the first line, not from EHLO: a client
	// that never says EHLO cannot flood NOOPs either.
	return guard.ListenerConfig{MaxConns: in.MaxConns, MaxConnsPerAddr: in.MaxConnsPerIP, ProxyFrom: Prefixes(in.ProxyProtocolFrom),
		MaxCommands: inbound.DefaultMaxCommands}
}

// TLSConfig is the inbound MX's STARTTLS configuration: tls_cert and
// tls_key, or else submission's (sub).
func (in Inbound) TLSConfig(sub *tls.Config) (*tls.Config, error) {
	if in.TLSCert == "" {
		return sub, nil
	}
	cert, err := tls.LoadX509KeyPair(in.TLSCert, in.TLSKey)
	if err != nil {
		return nil, keyError("inbound.tls_cert", "%v", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// BounceOptions are the classifier's options: the operator's
// [[bounce_rule]] tables, tried before the built-in rules.
func (c *Config) BounceOptions() bounce.Options {
	var rules []bounce.Rule
	for _, r := range c.BounceRules {
		rules = append(rules, bounce.Rule{Name: r.Name, Pattern: r.Pattern, Code: r.Code, Enhanced: r.Enhanced,
			Site: r.Site, Class: bounce.Class(r.Class), Reason: bounce.Reason(r.Reason)})
	}
	return bounce.Options{Rules: rules}
}

// ShapingRules is [shaping] over [delivery]'s limits, for
// shaping.RuleSet.Rules to merge with the built-in rules.
func (c *Config) ShapingRules() shaping.RuleSet {
	d := c.Delivery
	set := shaping.RuleSet{Builtin: c.Shaping.BuiltinRules, MaxConnections: d.MaxConnectionsPerDomain,
		MaxMessagesPerConn: d.MaxMessagesPerConnection, MaxRcptsPerTxn: d.MaxRecipientsPerTransaction}
	for _, cr := range c.Shaping.Rules {
		set.Configured = append(set.Configured, shaping.RuleText{Rate: cr.Rate, MinRate: cr.MinRate, Rule: shaping.Rule{
			Name: cr.Name, Domains: cr.Domains, MXPatterns: cr.MXPatterns, MaxConnections: cr.MaxConnections,
			MaxMessagesPerConn: cr.MaxMessagesPerConnection, MaxRcptsPerTxn: cr.MaxRecipientsPerTransaction,
			Burst: cr.Burst, BackoffFactor: cr.BackoffFactor, QuietPeriod: cr.QuietPeriod.Duration,
			ConnectTimeout: cr.ConnectTimeout.Duration, CommandTimeout: cr.CommandTimeout.Duration,
		}})
	}
	return set
}

// TLSPolicy is [delivery]'s outbound TLS policy: the
// [[delivery.tls_policy]] rules, MTA-STS and DANE, the resolvers as
// "ip:port", the directory of persisted MTA-STS policies and the extra
// roots of tls_ca_file (read here). Stats and the clock are the caller's.
func (c *Config) TLSPolicy() (tlspolicy.Config, error) {
	d := c.Delivery
	tc := tlspolicy.Config{Rules: make([]tlspolicy.Rule, len(d.TLSPolicies)), MTASTS: d.MTASTSEnabled(), DANE: d.DANE,
		Dir: c.PolicyDir()}
	if !d.AllowPrivateMX {
		// A domain's owner names the policy host: never one inside our
		// own host or network (as for MX hosts).
		tc.DialContext = outbound.PublicDialer(30 * time.Second).DialContext
	}
	for i, r := range d.TLSPolicies {
		m, _ := tlspolicy.ParseMode(r.Mode) // validated
		tc.Rules[i] = tlspolicy.Rule{Domain: r.Domain, MX: r.MX, Mode: m}
	}
	var err error
	if tc.Servers, err = resolverAddrs("delivery.resolvers", d.Resolvers); err != nil {
		return tc, err
	}
	if tc.DNSSECServers, err = resolverAddrs("delivery.dnssec_resolvers", d.DNSSECResolvers); err != nil {
		return tc, err
	}
	if tc.RootCAs, err = tlspolicy.RootsWithFile(d.TLSCAFile); err != nil {
		return tc, fmt.Errorf("config: delivery.tls_ca_file: %w", err)
	}
	return tc, nil
}

// resolverAddrs normalises resolvers to "ip:port" (ResolverAddr).
func resolverAddrs(key string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for i, r := range in {
		a, err := ResolverAddr(r)
		if err != nil {
			return nil, keyError(fmt.Sprintf("%s[%d]", key, i), "%v", err)
		}
		out = append(out, a)
	}
	return out, nil
}
