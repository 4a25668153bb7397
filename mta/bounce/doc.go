// Package bounce parses and classifies the failures sluice hears about:
// synchronous SMTP replies during delivery and asynchronous returned mail
// (bounces, delay warnings, feedback-loop complaints, auto-replies). It is
// pure: no network, no storage, no metrics. A [Classifier] built once by
// [New] holds the compiled rules and is safe for concurrent use.
//
// Every failure yields a [Result]: the failed recipient, the RFC 3463
// enhanced status code when known, hard or soft, and one [Class] from a fixed
// set. Only [HardInvalidRecipient] and [Complaint] should lead to
// suppression; everything else is about the sender, the message or the
// moment, and suppressing on it would throw away good addresses.
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
// Classification is driven by one table of rules (rules_table.go): text
// rules first, then the enhanced status code, then weak text rules, then the
// basic reply code. The order and the reasons for it are documented there.
//
// Returned copies are searched for the identifiers sluice puts in outgoing
// mail (the X-Sluice-ID header, a Message-ID of the form
// <queueid.random@host>, and the VERP envelope sender b.<token>@domain), so
// the caller can attribute a report even when the recipient is redacted.
package bounce
