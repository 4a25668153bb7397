package bounce

import (
	"mime"
	"regexp"
	"sync/atomic"
)

// Class is what a failure means to a bulk sender. The set is fixed; see the
// constants.
type Class string

// The classes. Only HardInvalidRecipient and Complaint say something
// lasting about the recipient and should lead to suppression.
const (
	// HardInvalidRecipient: the address does not exist or can never receive
	// mail (unknown user, disabled account, domain without mail service).
	HardInvalidRecipient Class = "hard_invalid_recipient"
	// SoftMailboxFull: the mailbox exists but is over quota. Soft whatever
	// the reply code, as mailboxes get emptied.
	SoftMailboxFull Class = "soft_mailbox_full"
	// SoftTemporary: a transient failure (greylisting, timeouts, resource
	// shortage, a delay warning, an expired retry period).
	SoftTemporary Class = "soft_temporary"
	// PolicyBlocked: refused because of who sent it: IP or domain
	// blocklists, reputation, missing authentication (SPF, DKIM, DMARC,
	// reverse DNS), local policy.
	PolicyBlocked Class = "policy_blocked"
	// SpamBlocked: refused because of what was sent: a content filter
	// judged the message spam, phishing or malware.
	SpamBlocked Class = "spam_blocked"
	// RateLimited: the receiver throttles the sender; always soft. The
	// delivery engine backs the destination off when it sees one.
	RateLimited Class = "rate_limited"
	// Complaint: a feedback-loop report (RFC 5965) that the recipient
	// marked the message as spam, fraud or a virus.
	Complaint Class = "complaint"
	// AutoReply: an automatic response (RFC 3834) such as an out-of-office
	// or a challenge; never a bounce.
	AutoReply Class = "auto_reply"
	// Other: nothing more specific is known.
	Other Class = "other"
)

// Classes returns every class, in a fixed order, for callers that enumerate
// them (metric label values, documentation).
func Classes() []Class {
	return []Class{HardInvalidRecipient, SoftMailboxFull, SoftTemporary, PolicyBlocked,
		SpamBlocked, RateLimited, Complaint, AutoReply, Other}
}

// Suppress reports whether a result of this class says the recipient should
// get no more mail: an address that does not exist, or a complaint.
func (c Class) Suppress() bool {
	return c == HardInvalidRecipient || c == Complaint
}

// Result is the classification of one failed (or reported) recipient.
type Result struct {
	// Recipient is the failed or complaining address, "" when the report
	// does not say (redacted feedback reports).
	Recipient string `json:"recipient,omitempty"`
	// Status is the RFC 3463 enhanced status code ("5.1.1"), "" if none.
	Status string `json:"status"`
	// Class is what the failure means; see [Class].
	Class Class `json:"class"`
	// Hard is true exactly when the address is dead: Class is
	// HardInvalidRecipient. It is never true for policy, spam, rate,
	// mailbox-full or complaint outcomes, whatever the SMTP code.
	Hard bool `json:"hard"`
	// Reason is the finer cause from the taxonomy in reason.go
	// ("user_unknown", "relay_denied", "expired", …).
	Reason Reason `json:"reason"`
	// Rule names what decided: "op:NAME" for an operator rule, a rule of
	// the table, "status:S.D" for the enhanced code, "code:NNN" for the
	// basic code, or the structure that was recognised ("arf", "rfc3834").
	Rule string `json:"rule,omitempty"`
	// Decisive is true when the verdict came from evidence strong enough
	// to act on: an operator rule, a text rule of the table, a dead-address
	// status code that no text contradicts, a feedback report. Verdicts
	// from weak phrases, the basic code or a guess are not decisive, and a
	// suppression must not follow from them (see doc.go).
	Decisive bool `json:"decisive"`
	// IsFeedback is true for feedback reports (RFC 5965 ARF and looser
	// provider formats) and unsubscribe mail.
	IsFeedback bool `json:"is_feedback,omitempty"`
	// FeedbackType is the RFC 5965 Feedback-Type of a report, lowercase
	// ("abuse", "auth-failure", "opt-out", …).
	FeedbackType string `json:"feedback_type,omitempty"`
	// Diagnostic is the text the verdict was read from (the remote reply
	// when there is one), whitespace collapsed, at most maxReason bytes.
	Diagnostic string `json:"diagnostic,omitempty"`
	// BeforeData is true when the failure quoted is a reply given before
	// the message's content was sent (to the greeting, HELO, MAIL FROM or
	// RCPT TO: Postfix's "in reply to RCPT TO command", Exim's "after RCPT
	// TO:"). Such words appear only in a bounce from a host that accepted
	// the message and was refused onward: that refusal judged the
	// reporting host's own connection (its address, its standing), not
	// the one our mail came from, so sluice does not slow or mark its own
	// source for it (mta/inbound). Not part of the JSON form.
	BeforeData bool `json:"-"`
	// RemoteMTA is the receiving host that reported the failure, if known.
	RemoteMTA string `json:"remote_mta,omitempty"`
	// UserAgent is the RFC 5965 User-Agent of the feedback report.
	UserAgent string `json:"user_agent,omitempty"`
	// MessageID is sluice's queue id (16 lowercase hex digits) found in
	// the returned copy, the envelope id or In-Reply-To; "" if none.
	MessageID string `json:"message_id,omitempty"`
	// OriginalMessageID is the Message-ID of the returned message, without
	// angle brackets.
	OriginalMessageID string `json:"original_message_id,omitempty"`
	// VERP is the local part "b.<token>" of a VERP address found in the
	// envelope or the returned headers. The token is not verified here.
	VERP string `json:"verp,omitempty"`
}

// Limits on the work one message may cause. Regular expressions in Go run
// in linear time, so bounding the input bounds the work.
const (
	// MaxMessageBytes is how much of a returned message is read; the rest
	// is ignored. Bounces that return a full copy of a large message are
	// truncated, which loses nothing the classifier needs.
	MaxMessageBytes = 10 << 20
	// maxDepth bounds MIME nesting (multiparts and attached messages).
	maxDepth = 8
	// maxParts bounds the MIME parts visited in one message.
	maxParts = 256
	// maxText bounds the decoded text of one part that is scanned.
	maxText = 256 << 10
	// maxHead bounds the part of a bounce's text (before the returned
	// copy) that rules are matched against.
	maxHead = 16 << 10
	// maxSegment bounds the text that belongs to one recipient.
	maxSegment = 2 << 10
	// maxRecipients bounds the results taken from one message.
	maxRecipients = 100
	// maxReason bounds [Result.Diagnostic] in bytes.
	maxReason = 512
	// maxForwardDepth bounds how deep attached messages are classified
	// in their own right (a bounce forwarded as an attachment).
	maxForwardDepth = 3
	// maxForwardTries bounds the attached messages tried per level.
	maxForwardTries = 2
)

// Classifier classifies replies and returned messages. Build it once with
// [New] or [NewWithOptions]; it is safe for concurrent use, and only its
// operator rules change afterwards ([Classifier.SetOptions], swapped
// whole).
type Classifier struct {
	ops    atomic.Pointer[[]opRule] // operator rules, tried first
	rules  []rule
	status map[string]statusRule // "S.D" and "S" (subject default)
	auto   []autoRule
	// expired is the table's expiry rule, which settleReason also reads.
	expired *rule

	words *mime.WordDecoder
	re    patterns
}

// patterns are the regular expressions the parsers use, compiled once by
// compilePatterns (patterns.go), which documents each.
type patterns struct {
	enhanced, replyEnhanced, replyCode                               *regexp.Regexp
	addr, maskAddr, verp, msgid, queueID, rcptTo                     *regexp.Regexp
	headerLine, returnedCut, inlineField, inlineTo                   *regexp.Regexp
	origRcpt, replySubject, bounceSubject, bounceBody                *regexp.Regexp
	delaySubject, delayBody, daemon, noreply, role                   *regexp.Regexp
	forwardSubject, forwardBody                                      *regexp.Regexp
	unsubTo, unsubSubject, unsubBody, moderation                     *regexp.Regexp
	fblSubject, autoSubject, htmlDrop, htmlBreak, htmlTag            *regexp.Regexp
	doubtTemp, doubtDNS, doubtSystem, footer, listSep                *regexp.Regexp
	retryAdvice, expandedFrom, senderStage, beforeData, policyWorded *regexp.Regexp
	mailFrom, inlineFrom, helpAddr, machineName                      *regexp.Regexp
}

// New builds a Classifier: it compiles the rule table and the parsers'
// patterns. It panics only if a built-in pattern does not compile, which the
// package's tests rule out.
func New() *Classifier {
	c := &Classifier{
		rules:  compileRules(ruleTable()),
		status: statusIndex(statusTable()),
		auto:   compileAutoRules(autoTable()),
	}
	for i := range c.rules {
		if c.rules[i].name == "expired" {
			c.expired = &c.rules[i]
		}
	}
	c.words = &mime.WordDecoder{CharsetReader: c.charsetReader}
	c.re = compilePatterns()
	return c
}
