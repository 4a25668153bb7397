// Package tlsrpt sends SMTP TLS reports (RFC 8460) as a sending MTA: once
// a day, for every policy domain it delivered to under MTA-STS or DANE, an
// aggregate of TLS sessions that met or failed the policy, to the
// receiver's reporting addresses.
//
// The pieces, one per file:
//   - record.go: the receiver's policy, the TXT record at
//     `_smtp._tls.<domain>` (§3), parsed strictly ([ParseRecord]);
//   - report.go: the JSON report (§4) built from mta/tlspolicy's
//     [tlspolicy.DomainStats], gzipped (§5.1);
//   - post.go, mail.go: delivery to an https rua by POST and to a mailto
//     rua as a multipart/report message (§5.3) handed to an injected
//     enqueue function (the node's spool);
//   - store.go: the accumulator (a bbolt file of its own in Config.Dir),
//     so a restart loses at most one flush interval of counts, and the
//     reports waiting for delivery;
//   - reporter.go, send.go: the [Reporter], whose Run flushes [tlspolicy.Stats]
//     into the store, closes each UTC day after a random delay, discovers
//     the policy domain's record and sends, retrying failed deliveries.
//
// Decisions read the injected clock; network timeouts are real time.
package tlsrpt
