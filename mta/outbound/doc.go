// Package outbound is sluice's SMTP client: one connection to one receiving
// MX, over which the delivery engine sends many messages in turn.
//
// go-smtp's client does not pipeline, and pipelining is what makes a bulk
// MTA fast (one round trip per message instead of three or more), so this
// package is a small client written directly on net, bufio and crypto/tls.
// It implements:
//
//   - RFC 5321, the SMTP protocol: greeting, EHLO with HELO fallback,
//     MAIL/RCPT/DATA transactions, RSET, QUIT, reply parsing, dot-stuffing;
//   - RFC 2920, PIPELINING: MAIL, every RCPT and DATA leave in one write;
//   - RFC 3207, STARTTLS, used opportunistically (RFC 7435) unless disabled;
//   - RFC 2034 and RFC 3463, enhanced status codes, parsed out of replies;
//   - RFC 6152, 8BITMIME: BODY=8BITMIME for 8-bit messages;
//   - RFC 6531, SMTPUTF8: required for internationalised addresses;
//   - RFC 1870, SIZE: the declared size, and a local refusal of messages
//     larger than the server's advertised limit.
//
// The package holds no policy: dialling, MX choice, TLS policy (MTA-STS,
// DANE), connection pools, shaping and retries belong to the delivery
// engine. It hands [Handshake] a connected net.Conn and reads one outcome per
// recipient from [Client.Send]. Every failure is an [*Error], and
// [IsPermanent] is the one place that decides bounce versus retry.
package outbound
