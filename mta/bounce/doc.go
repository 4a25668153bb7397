// Package bounce parses and classifies the failures sluice hears about:
// synchronous SMTP replies during delivery and asynchronous returned mail
// (bounces, delay warnings, feedback-loop complaints, auto-replies). It is
// pure: no network, no storage, no metrics. A [Classifier] built once by
// [New] holds the compiled rules and is safe for concurrent use.
//
// Every failure yields a [Result]: the failed recipient, the RFC 3463
// enhanced status code when known, one [Class] from a fixed set, a finer
// [Reason] from a fixed taxonomy (reason.go: user_unknown, domain_not_found,
// mailbox_disabled, mailbox_full, expired, greylisted, loop, system_error,
// dns_error, relay_denied, blocked_ip, blocked_sender, auth_failure,
// posting_not_allowed, blocked_content, virus, message_too_large,
// rate_limited, abuse, auth_failure_report, opt_out, …), the rule that
// decided, and whether that rule was decisive.
//
// The contract: Hard is true exactly for dead addresses (class
// hard_invalid_recipient: unknown user, no such domain, no MX or null MX,
// account closed for good), never for policy, spam, rate, mailbox-full or
// complaint outcomes, whatever the SMTP code. Only [HardInvalidRecipient]
// and [Complaint] call for suppression ([Class.Suppress]), and only when
// [Result.Decisive]: a verdict reached from a weak phrase or a bare reply
// code is a guess, and suppressing on a guess throws away good addresses.
// Feedback reports set IsFeedback: an ARF auth-failure report (RFC 6591)
// never suppresses its recipient; an opt-out report, and Apple Mail's
// unsubscribe message (X-Apple-Unsubscribe: true), are unsubscribes
// (reason opt_out, class other), for the marketing stream only; an ARF
// "other" report suppresses nobody.
//
// Precedence (rules.go, classify): operator rules ([Rule], from config) >
// decisive text phrases (rules_table.go) > the enhanced status code by
// subject.detail, then subject > weak phrases > the basic reply code. Text
// beats the code because receivers choose codes carelessly (5.4.x on an
// access refusal, 4.x.x on a null MX, 5.1.1 on a group posting refusal). A
// dead-address verdict is then kept only if no text speaks of a temporary
// condition, nor (for a verdict from a code) of a DNS or system error; on
// a 4xx it is downgraded unless it is about a domain without mail service
// (null MX, no MX, NXDOMAIN). In a DSN, the recipient's Status and
// Diagnostic-Code decide before its human-readable text, whose scanner
// stamps, footers and signatures are dropped (dropFooters).
//
// The reason of a transient verdict is then settled (settleReason): a
// delay warning is "delayed" whatever error it quotes, and a notice that
// says the retry period ran out is "expired" rather than the timeout or
// DNS error that made it run out; the class is unchanged.
//
// Phrase tables cover English, German, French, Spanish, Italian,
// Portuguese, Dutch, Russian, Japanese, Chinese, Korean, Arabic, Hebrew,
// Polish, Czech and Turkish (rules_intl.go), with full mailboxes and
// unknown users also in Hungarian, Romanian, Greek, Finnish, Indonesian,
// Vietnamese and Thai; bodies and encoded words in
// legacy charsets are decoded by golang.org/x/text (charset.go).
//
// It implements or reads:
//
//   - RFC 3464, delivery status notifications: the message/delivery-status
//     part of a multipart/report (RFC 6522), its per-message and
//     per-recipient fields (Final-Recipient, Original-Recipient, Action,
//     Status, Diagnostic-Code, Remote-MTA, and X-Postfix-Sender);
//   - RFC 3463, enhanced mail system status codes, mapped to classes by
//     subject and detail (see statusTable);
//   - RFC 5965, the Abuse Reporting Format for feedback-loop complaints
//     (message/feedback-report: Feedback-Type, User-Agent,
//     Original-Mail-From, Original-Rcpt-To), and looser provider formats;
//   - RFC 3834, automatic responses (Auto-Submitted: auto-replied), which
//     are never bounces;
//   - RFC 6522, the multipart/report container;
//   - RFC 5321 §4.2, multi-line replies (see [ParseReply]).
//
// The real world mostly ignores RFC 3464, so the package also reads the
// plain-text bounces of Exim, Sendmail, qmail, Postfix, Exchange and
// Office 365, Lotus Domino, Courier and the large providers, in several
// languages, inline or attached (message/rfc822, text/rfc822-headers), and
// bounces forwarded by people.
//
// Exchange notices that reach us only as TNEF (winmail.dat,
// application/ms-tnef) are read through their message and recipient
// properties, an RTF-only body decompressed (MS-OXTNEF, MS-OXRTFCP:
// tnef.go); ISO-2022-JP text without a charset label is recognised by its
// escapes. Mail to a List-Unsubscribe mailto address (RFC 2369), or asking
// in its subject or first words to be unsubscribed, is an unsubscribe
// (reason opt_out) from its sender, like Apple Mail's; a list's notice
// that a post awaits its moderator, and a challenge worded like a bounce
// (TMDA), are automatic responses, not failures.
//
// Several recipients in one report each get their own diagnostic: RFC
// 3464 per-recipient blocks (a recipient reported delivered, relayed or
// expanded beside failed ones gets its own Other row), and in plain
// bounces the block that starts at the line holding the recipient alone
// (Exim, Exchange), never a neighbour's reply. Recipients listed on one line, named only in prose or
// only in the subject are found too.
//
// A person's letter is no bounce whatever SMTP reply it quotes ("I got
// this back: 550 5.1.1 <tom@…> User unknown"): mail from an address
// people write from (not a mailer daemon, a no-reply address or mail
// software's display name), with no returned copy and not sent to
// sluice's VERP address, where every bounce of its mail goes. A reply to
// MAIL FROM (before any recipient was named) never says a recipient is
// dead: it refuses the sender. Decoded text is composed (NFC) before the
// rules read it, so Vietnamese in windows-1258 and decomposed UTF-8 match.
// The table's rules never read the words of an e-mail address
// ("<spam@…>: User unknown" is an unknown user); a postmaster writing a
// letter in no bounce's words is a person too; generic spam wording in a
// reply to MAIL FROM or RCPT TO judges the sender (no content had been
// sent, RFC 5321 §3.3). A receiver that demands TLS refuses how the mail
// was sent (policy); TLS that the sending side could not get or verify
// (MTA-STS, DANE) fails the route for now (soft). Utf-8 address types
// are unescaped (RFC 6533 §3, "jos\x{E9}").
//
// A bounce's failed recipients are never the returned message's own
// sender (attached or quoted inline, as an Exim sender-verify callout
// quotes it), nor an address the text offers for help ("please contact
// the list owners: …"); a feedback loop's redaction placeholder
// (redacted@…, xxxx@…) names no recipient.
//
// Returned copies are searched for the identifiers sluice puts in outgoing
// mail (the X-Sluice-ID header, a Message-ID of the form
// <queueid.random@host>, and the VERP envelope sender b.<token>@domain), so
// the caller can attribute a report even when the recipient is redacted.
package bounce
