package bounce

// Reason is the finer cause behind a [Class], from a fixed taxonomy: the
// class says what to do (suppress, back off, nothing), the reason says
// why, for reports, events and webhooks. Several reasons share a class;
// none changes what the class means. An alias of string, so callers that
// store or compare [Result.Reason] as text keep working.
type Reason = string

// The taxonomy, grouped by the class each reason normally belongs to. An
// operator rule may pair a reason with another class.
const (
	// hard_invalid_recipient: the address is dead.
	ReasonUserUnknown     Reason = "user_unknown"     // no such user or mailbox
	ReasonDomainNotFound  Reason = "domain_not_found" // NXDOMAIN, no MX, null MX (RFC 7505)
	ReasonMailboxDisabled Reason = "mailbox_disabled" // disabled, closed, frozen or locked account

	// soft_mailbox_full.
	ReasonMailboxFull Reason = "mailbox_full"

	// soft_temporary: may work later.
	ReasonExpired     Reason = "expired"      // expired in the queue, retries gave up
	ReasonGreylisted  Reason = "greylisted"   // greylisting
	ReasonLoop        Reason = "loop"         // mail loop, hop limit
	ReasonSystemError Reason = "system_error" // receiver system, mailer or resource error
	ReasonDNSError    Reason = "dns_error"    // a DNS lookup failed temporarily
	ReasonNetwork     Reason = "network_error"
	ReasonTemporary   Reason = "temporary" // other transient failure
	ReasonDelayed     Reason = "delayed"   // a delay warning, not yet a failure

	// policy_blocked: the receiver refuses the sender.
	ReasonRelayDenied       Reason = "relay_denied"
	ReasonBlockedIP         Reason = "blocked_ip"     // blocklists, reputation, reverse DNS of the sending host
	ReasonBlockedSender     Reason = "blocked_sender" // the sender address or domain
	ReasonAuthFailure       Reason = "auth_failure"   // SPF, DKIM, DMARC
	ReasonPostingNotAllowed Reason = "posting_not_allowed"
	ReasonPolicy            Reason = "policy" // other local policy

	// spam_blocked: refused for the content.
	ReasonBlockedContent  Reason = "blocked_content" // spam, content filters, malformed or 8-bit content
	ReasonVirus           Reason = "virus"
	ReasonMessageTooLarge Reason = "message_too_large"

	// rate_limited.
	ReasonRateLimited Reason = "rate_limited"

	// Feedback reports (RFC 5965, RFC 6591) and unsubscribes.
	ReasonAbuse             Reason = "abuse"               // a complaint
	ReasonAuthFailureReport Reason = "auth_failure_report" // a DMARC failure report: never suppresses
	ReasonOptOut            Reason = "opt_out"             // an unsubscribe (ARF opt-out, Apple's X-Apple-Unsubscribe)
	ReasonNotSpam           Reason = "not_spam"

	// auto_reply.
	ReasonAutoReply Reason = "auto_reply"

	// other.
	ReasonSuccess      Reason = "success" // a DSN of successful delivery
	ReasonUnclassified Reason = "unclassified"
)

// reasonClasses maps each reason to the class it belongs to by default:
// the class an operator rule gets when it names only a reason. A function,
// not a package variable, so nothing can change it.
func reasonClasses() map[Reason]Class {
	return map[Reason]Class{
		ReasonUserUnknown: HardInvalidRecipient, ReasonDomainNotFound: HardInvalidRecipient,
		ReasonMailboxDisabled: HardInvalidRecipient, ReasonMailboxFull: SoftMailboxFull,
		ReasonExpired: SoftTemporary, ReasonGreylisted: SoftTemporary, ReasonLoop: SoftTemporary,
		ReasonSystemError: SoftTemporary, ReasonDNSError: SoftTemporary, ReasonNetwork: SoftTemporary,
		ReasonTemporary: SoftTemporary, ReasonDelayed: SoftTemporary,
		ReasonRelayDenied: PolicyBlocked, ReasonBlockedIP: PolicyBlocked, ReasonBlockedSender: PolicyBlocked,
		ReasonAuthFailure: PolicyBlocked, ReasonPostingNotAllowed: PolicyBlocked, ReasonPolicy: PolicyBlocked,
		ReasonBlockedContent: SpamBlocked, ReasonVirus: SpamBlocked, ReasonMessageTooLarge: SpamBlocked,
		ReasonRateLimited: RateLimited, ReasonAbuse: Complaint, ReasonAuthFailureReport: Other,
		ReasonOptOut: Other, ReasonNotSpam: Other, ReasonAutoReply: AutoReply,
		ReasonSuccess: Other, ReasonUnclassified: Other,
	}
}

// Reasons returns every reason of the taxonomy (for documentation, config
// checks and metric label values), in no particular order.
func Reasons() []Reason {
	m := reasonClasses()
	rs := make([]Reason, 0, len(m))
	for r := range m {
		rs = append(rs, r)
	}
	return rs
}

// ReasonClass returns the class a reason belongs to, and whether the
// reason is part of the taxonomy.
func ReasonClass(r Reason) (Class, bool) {
	c, ok := reasonClasses()[r]
	return c, ok
}

// classReason is the reason given when only a class is known.
func classReason(c Class) Reason {
	switch c {
	case HardInvalidRecipient:
		return ReasonUserUnknown
	case SoftMailboxFull:
		return ReasonMailboxFull
	case SoftTemporary:
		return ReasonTemporary
	case PolicyBlocked:
		return ReasonPolicy
	case SpamBlocked:
		return ReasonBlockedContent
	case RateLimited:
		return ReasonRateLimited
	case Complaint:
		return ReasonAbuse
	case AutoReply:
		return ReasonAutoReply
	}
	return ReasonUnclassified
}

// RuleTLSSendingSide is the Result.Rule of a failure to get or verify TLS
// on the sending side (Postfix's "TLS is required, but was not offered",
// a certificate or TLSA mismatch under MTA-STS or DANE): a route failure,
// which the returns policy does not count against the mailbox.
const RuleTLSSendingSide = "tls-sending-side"
