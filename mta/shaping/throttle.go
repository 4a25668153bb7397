package shaping

import (
	"context"
	"errors"
	"strings"

	"sluice/mta/outbound"
)

// signal is one row of the throttle table: a reply matches when every
// non-empty field does.
type signal struct {
	// code is the reply code, 0 for any 4xx.
	code int
	// enhanced is a prefix of the RFC 3463 status code ("4.7.").
	enhanced string
	// text is a lower-case substring of the reply text.
	text string
	// generic marks the rows that read "slow down" into a reply that does
	// not say it in words (a bare 421, 4.7.x, "try again later"): the
	// receiver's own condition (receiverCondition) beats them.
	generic bool
	// example is a reply the row exists for; TestSignalExamples checks
	// that the row matches it and that IsThrottle gives the row's answer.
	// Replies marked "shape of" are written after the receiver's
	// documented text rather than copied from a log.
	example string
}

// notThrottle lists the temporary replies that are not about the sender's
// volume, whatever else they say. They win over throttleSignals: a full
// mailbox that says "try again later" must not slow a whole site down.
// Greylisting is not a throttle either: see greylistSignals, read first.
//
// Read-only: a table, not state.
var notThrottle = [...]signal{
	// Mailbox status (RFC 3463 §3.3): full, over quota, and Gmail's
	// per-recipient rate limit (4.2.1), which concerns one recipient.
	{enhanced: "4.2.", example: "452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp"},
	// Addressing status (RFC 3463 §3.2): the sender's or recipient's domain
	// did not resolve, and so on.
	{enhanced: "4.1.", example: "450 4.1.8 <bounce@example.com>: Sender address rejected: Domain not found"},
	// 454: TLS or authentication is unavailable (RFC 3207 §4, RFC 4954 §6).
	{code: 454, example: "454 4.7.0 TLS not available due to local problem"},
	// Mailboxes full without an enhanced code (shape of).
	{text: "mailbox full", example: "452 Mailbox full, try again later"},
	{text: "over quota", example: "452 User over quota, try again later"},
}

// receiverCondition lists the RFC 3463 classes that describe the
// receiver's own state, not the sender's volume: mail system status
// (§3.4, 4.3.x: system full, not accepting messages, shutting down) and
// network and routing status (§3.5, 4.4.x: no answer, bad connection,
// routing). A node restarting or an overloaded front end answers so
// whatever the sender's rate, and cutting the site's rate does not help
// it; the retry does. They beat the generic rows of throttleSignals (the
// chaos MX's "421 4.3.2 busy, try again later" is not a throttle) but not
// the wordings that name the sender's volume or connections (Microsoft's
// "421 4.3.2 The maximum number of concurrent server connections has
// exceeded a per-domain limit" is).
//
// Read-only: a table, not state.
var receiverCondition = [...]signal{
	{enhanced: "4.3.", example: "421 4.3.2 chaos.test busy, try again later"},
	{enhanced: "4.4.", example: "421 4.4.2 mx.example.net Error: timeout exceeded, closing connection"},
}

// throttleSignals lists the replies that mean "slow down". Only 4xx
// replies qualify: a 5xx is a refusal that retrying will not fix.
//
// Read-only: a table, not state.
var throttleSignals = [...]signal{
	// 421 closes the channel (RFC 5321 §3.8, §4.2.3): receivers send it on
	// connect when a client has too many connections or too much
	// reputation debt, and mid-session when it sends too fast.
	{code: 421, generic: true, example: "421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp"},
	// 4.7.x, "security or policy status" (RFC 3463 §3.8), on a temporary
	// reply: the receiver's policy defers the sender.
	{enhanced: "4.7.", generic: true, example: "451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77714)"},
	// Gmail: unusual rate of mail from the IP (documented).
	{text: "4.7.28", example: "421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp"},
	// Microsoft 365 and Outlook.com: IP reputation throttling (documented,
	// "4.7.650" through "4.7.651").
	{text: "4.7.650", example: "451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent]"},
	{text: "4.7.651", example: "451 4.7.651 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)"},
	// Yahoo and AOL (documented codes; shape of, as the enhanced code may
	// be missing).
	{text: "[ts01]", example: "451 [TS01] Messages from 192.0.2.10 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
	{text: "[ts02]", example: "451 [TS02] Messages from 192.0.2.10 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
	{text: "[tss04]", example: "451 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
	{text: "temporarily deferred", example: "451 Message temporarily deferred - [160]"},
	// Generic texts.
	{text: "rate limit", example: "450 Rate limit exceeded for 192.0.2.10, slow down"},
	{text: "ratelimit", example: "451 Ratelimit exceeded for sender IP 192.0.2.10"},
	{text: "throttl", example: "452 Throttling in effect for 192.0.2.10"},
	{text: "slow down", example: "450 Please slow down"},
	{text: "try again later", generic: true, example: "450 Server too busy, try again later"},
	{text: "too many connections", example: "450 Too many connections from your IP address"},
	// Microsoft's per-domain connection limit, under 4.3.2.
	{text: "concurrent server connections", example: "421 4.3.2 The maximum number of concurrent server connections has exceeded a per-domain limit, closing transmission channel"},
	{text: "too many concurrent", example: "421 Too many concurrent SMTP connections from this IP address; please try again later."},
	{text: "too many sessions", example: "450 Too many sessions opened from 192.0.2.10"},
	{text: "connection limit", example: "450 You have exceeded your connection limit"},
	// Postfix's smtpd_client_message_rate_limit.
	{text: "too much mail", example: "450 4.7.1 Error: too much mail from 192.0.2.10"},
}

// matches reports whether the reply matches every field of sig. text must
// be lower case.
func (sig *signal) matches(code int, enhanced, text string) bool {
	return (sig.code == 0 || sig.code == code) &&
		(sig.enhanced == "" || strings.HasPrefix(enhanced, sig.enhanced)) &&
		(sig.text == "" || containsFold(text, sig.text))
}

// IsThrottle reports whether an SMTP reply asks the sender to slow down:
// reply code, its RFC 3463 enhanced status code ("" to read it from the
// start of text) and text, as in [outbound.Error]. Only 4xx replies can be;
// the tables in this file list what counts (421, 4.7.x, the texts of Gmail,
// Microsoft, Yahoo and common servers) and what never does although it
// looks alike (mailbox full, TLS unavailable, and greylisting: see
// [IsGreylist]), without regard to case. A 4.3.x or 4.4.x reply (the
// receiver's own condition) is a throttle only when its words name the
// sender's volume or connections ("rate limit", "too many connections").
func IsThrottle(code int, enhanced, text string) bool {
	if code < 400 || code > 499 {
		return false
	}
	if enhanced == "" {
		enhanced = outbound.ReplyError("", code, text).Enhanced
	}
	if IsGreylist(code, enhanced, text) {
		return false
	}
	for i := range notThrottle {
		if notThrottle[i].matches(code, enhanced, text) {
			return false
		}
	}
	own := false // the receiver's own condition
	for i := range receiverCondition {
		own = own || receiverCondition[i].matches(code, enhanced, text)
	}
	for i := range throttleSignals {
		if sig := &throttleSignals[i]; sig.matches(code, enhanced, text) && !(own && sig.generic) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII substr,
// without regard to the case of s and without allocating.
func containsFold(s, substr string) bool {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != substr[j] {
				break
			}
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// Classify maps a delivery error to the Outcome Observe takes: nil is
// Delivered; an [*outbound.Error] carrying a greylisting reply (see
// [IsGreylist]) is Greylisted, at any step; one carrying a slow-down reply
// is Throttled,
// or ConnThrottled when it answered the connection itself (greeting, EHLO,
// HELO, STARTTLS); one without a reply from the connect or greeting step is
// ConnectFailed; other replies are PermFailed or TempFailed. Cancellation
// and errors from elsewhere (DNS, the spool) say nothing about the site:
// Ignore.
func Classify(err error) Outcome {
	if err == nil {
		return Delivered
	}
	if errors.Is(err, context.Canceled) {
		return Ignore
	}
	var oe *outbound.Error
	if !errors.As(err, &oe) {
		return Ignore
	}
	connStage := false
	switch oe.Command {
	case "connect", "greeting", "EHLO", "HELO", "STARTTLS":
		connStage = true
	}
	switch {
	case oe.Code != 0 && oe.Err == nil && IsGreylist(oe.Code, oe.Enhanced, oe.Line):
		return Greylisted
	case oe.Code != 0 && oe.Err == nil && IsThrottle(oe.Code, oe.Enhanced, oe.Line):
		if connStage {
			return ConnThrottled
		}
		return Throttled
	case oe.Code == 0 && (oe.Command == "connect" || oe.Command == "greeting"):
		return ConnectFailed
	case oe.Permanent:
		return PermFailed
	}
	return TempFailed
}
