// Package tlspolicy decides how a delivery secures its transport: per
// site, opportunistic TLS (RFC 7435), TLS required, WebPKI-verified TLS,
// the receiver's MTA-STS policy (RFC 8461) or its DANE TLSA records (RFC
// 7672), and records outcomes for metrics and TLS reports (RFC 8460).
//
// A [Resolver] gives each delivery a [Policy]: [Resolver.Domain] once per
// recipient domain (configured rules and MTA-STS, whose policies are
// fetched over HTTPS, cached for their max_age and persisted across
// restarts), then [Resolver.ForHost] per MX host (DANE, which wins over
// MTA-STS, RFC 8461 §2). [Policy.Outbound] is what mta/outbound's
// Options.TLSPolicy enforces in the session: under every mode but
// opportunistic and MTA-STS testing, a missing STARTTLS or a rejected
// certificate is a temporary failure, and the mail is never sent in clear.
// [Stats] counts the outcomes.
package tlspolicy
