// Package rewrite prepares a submitted message for tracking before it is
// DKIM-signed: it rewrites http(s) links to click-redirect URLs, adds an
// open pixel to HTML parts, and adds one-click unsubscribe header fields.
// Signing happens afterwards, so the signature covers the rewritten message.
//
// The package is pure: it holds no state and makes no tokens. The caller
// supplies the tracking URLs through the callbacks in [Options] (a separate
// package signs tokens), and decides per tenant and stream what is tracked.
//
// # What it implements
//
//   - MIME structure, RFC 2045 and RFC 2046: header fields are found and
//     unfolded (RFC 5322 §2.2.3), Content-Type and Content-Transfer-Encoding
//     read per RFC 2045 §5 and §6, multipart bodies split on their boundary
//     delimiter lines per RFC 2046 §5.1.1 (transport padding allowed, the CRLF
//     before a delimiter belongs to the delimiter). Preambles, epilogues,
//     boundaries and every part that is not rewritten are copied byte for byte.
//     Rewritten leaf parts keep their transfer encoding: quoted-printable is
//     re-encoded with lines of at most 76 characters (RFC 2045 §6.7), base64
//     with lines of 76 characters (§6.8); a 7bit or 8bit part whose rewritten
//     lines would exceed 998 octets (RFC 5322 §2.1.1, RFC 2045 §2.7, §2.8) is
//     switched to quoted-printable, and [Result.Reencoded] counts
//     it.
//   - RFC 2047 encoded words are never decoded or re-encoded: header fields
//     are kept as they are, so encoded words in Subject or in filename
//     parameters survive untouched.
//   - RFC 2369 List-Unsubscribe and RFC 8058 List-Unsubscribe-Post: when
//     [Options.Unsubscribe] is set, both fields are appended to the header
//     section; with an HTTPS URI they replace the message's own (its
//     mailto: URIs kept after sluice's, its http(s) ones dropped: RFC 8058
//     §3.1 allows one), see unsubscribe.go.
//
// # Rules
//
// HTML parts (text/html, not attachments): the href of <a> and <area>
// elements, and of VML elements (v:roundrect and the like, found in Outlook
// conditional comments), is rewritten when its value, after HTML character
// reference decoding and the whitespace clean-up a browser does, is an
// absolute http or https URL; [Message] lists what is skipped. Text inside
// <script>, <style>, <title>, <textarea>, <noscript> and ordinary comments is
// never touched; downlevel-hidden conditional comments (<!--[if mso]>…
// <![endif]-->) are scanned, because their VML buttons are what Outlook users
// click: ESPs rewrite them, and leaving them out would undercount Outlook
// clicks. Text parts (text/plain) get bare http(s) URLs rewritten when
// [Options.TrackText] is set. Attachments (any Content-Disposition but
// inline, RFC 2183 §2.8) and encapsulated messages (message/rfc822) are
// never rewritten.
//
// Charsets are never converted: the package works on the bytes of a part, so
// every ASCII-compatible charset (utf-8, iso-8859-x, windows-125x, Shift_JIS,
// GBK, Big5…) survives untouched. Parts in charsets where ASCII bytes do not
// mean ASCII characters (UTF-16, UTF-32, UTF-7, ISO-2022-*, HZ) are left
// alone.
//
// Anything this package cannot read with certainty (a repeated or
// unparsable Content-Type, an unknown transfer encoding, undecodable base64,
// a multipart with no boundary) is copied as it is rather than guessed at:
// an untracked link costs a statistic, a broken message costs a customer.
//
// The work is linear and bounded: a message above [Options.MaxBytes] only
// has its header handled, multipart nesting deeper than 20 levels is copied
// untouched, at most 10000 links are tracked per message, and tracking URLs
// are limited to 2048 bytes. Nothing panics on any input, and the package
// holds no mutable state.
package rewrite
