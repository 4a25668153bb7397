// Package reencode makes a message whose lines are too long conform to
// RFC 5322 §2.1.1 (at most 998 octets per line, CRLF excluded) without
// changing what its recipient sees.
//
// Real applications write long lines (a newsletter's HTML on one line, a
// base64 attachment without line breaks), and the platforms they move
// from accept them and repair the message. Conform repairs it the same
// way, and only where needed:
//
//   - a MIME leaf part (RFC 2045, RFC 2046) with an over-long line is
//     re-encoded: text, or content that is mostly printable, as
//     quoted-printable (RFC 2045 §6.7), anything else as base64 (RFC 2045
//     §6.8); a part already in base64 is re-wrapped, one in
//     quoted-printable is decoded and encoded again. Only that part's
//     Content-Transfer-Encoding field changes;
//   - multipart and message/rfc822 containers are walked, never encoded
//     themselves (RFC 2046 §5.1, §5.2.1: their encoding stays 7bit, 8bit
//     or binary);
//   - an over-long header line is folded at whitespace (RFC 5322 §2.2.3),
//     which unfolding undoes exactly;
//   - preamble and epilogue lines, which MIME readers ignore (RFC 2046
//     §5.1.1), are wrapped.
//
// Every other byte is kept as it was. Text is never hard-wrapped: that
// would change the lines the reader sees. What cannot be repaired (a
// header line with no whitespace to fold at, an unknown transfer
// encoding, a message/partial body) is an *Error naming the part and the
// reason, for the caller to refuse the message with.
//
// Conform is meant to run on every submitted message: a message without
// an over-long line costs one scan and no allocation, and is returned as
// it is.
package reencode
