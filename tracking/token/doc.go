// Package token makes and verifies the signed tokens of sluice's tracking
// edge and return addresses: the open pixel /o/<token>.gif, the click
// redirect /c/<token>, the unsubscribe page /u/<token>, the VERP return path
// b.<token>@bounce-domain and the List-Unsubscribe mailto address
// u.<token>@bounce-domain.
//
// A token names a recipient of a message by the spool's opaque ids (tenant,
// message id, recipient index, and for a click the link index and exact
// destination), never by address in clear. It is authenticated with
// HMAC-SHA256 (RFC 2104) truncated to 128 bits. The package is pure: a
// [Keyring] holds derived keys and nothing else, and no call does I/O
// (except reading crypto/rand when sealing an address).
//
// # Forms and format
//
// The URL form ([Keyring.Seal], [Keyring.Open]) is base64url without
// padding (RFC 4648 §5) of
//
//	0x01             format version (URL form, version 1)
//	key id           1 byte, Key.ID of the signing key
//	kind             1 byte: 1 open, 2 click, 3 unsubscribe
//	flags            1 byte: bit 0 transactional stream, bit 1 address follows
//	tenant           varint length (≤ 64), bytes
//	message          varint
//	recipient index  varint
//	issued           varint: 0 unknown, else seconds since 2024-01-01T00:00:00Z plus 1
//	link index       varint            (click only)
//	URL              varint length (1–2048), bytes  (click only)
//	address          varint length, 12-byte nonce | AES-256-GCM ciphertext | 16-byte tag  (flag bit 1 only)
//	MAC              16 bytes: HMAC-SHA256(mac key, every byte above)[:16]
//
// Varints are unsigned LEB128 as in encoding/binary, in their shortest
// form. An open token for tenant "acme" and a clock-based message id is 51
// characters; a click token is that plus about 4/3 of the URL's length.
//
// The mailbox form ([Keyring.SealMailbox], [Keyring.OpenMailbox]) is
// lower-case base32 without padding (RFC 4648 §6) of
//
//	0x81             format version (mailbox form, version 1)
//	key id           1 byte
//	kind             1 byte: 4 bounce, 5 mailto unsubscribe
//	message          varint
//	recipient index  varint
//	MAC              16 bytes, as above
//
// It is at most 55 characters (typically 45), read in either case, because
// a local part must fit 64 octets (RFC 5321 §4.5.3.1.1) and some MTAs fold
// its case. Tenant, stream and address are looked up by (message,
// recipient) in the queue's recipient directory.
//
// Each spelling of a token is the only one: the decoders refuse padding,
// line breaks, non-zero trailing bits, over-long varints and trailing bytes,
// so a token that verifies re-seals to the same string (bar the random nonce
// of an address).
//
// # Keys
//
// Each [Key] secret (≥ 32 random bytes) is run through HKDF-SHA256
// (RFC 5869) Extract; Expand with distinct info strings gives the HMAC key
// and, for each (message, recipient index), the AES-256-GCM key of the
// address, so the 2^32 random-nonce limit of GCM applies per recipient
// rather than per secret. A [Keyring] signs with one key and verifies with it
// and any number of verify-only keys, chosen by the id in the token:
// rotation is adding the new key as verify-only everywhere, then signing with
// it, then dropping the old one.
//
// # Threat model
//
// A token is handed to the recipient and to whatever sees their mail and
// URLs (mailbox providers, link scanners, proxies, browser history,
// referrers, forwarded messages). Against anyone without a secret it
// guarantees:
//   - No forgery: changing, truncating or extending a token, or making one
//     up, gives [ErrInvalid] (probability 2^-128 per guess), so nobody can
//     unsubscribe, record opens or clicks for, or bounce, a recipient whose
//     token they have not seen. The MAC is checked in constant time before
//     the payload is parsed.
//   - No open redirect: a click token carries its destination under the
//     MAC, and the edge redirects only there.
//   - No address disclosure: the recipient's address, when present at all,
//     is encrypted; the ids are opaque. What is not hidden: the tenant name,
//     message id, recipient and link indexes, stream, issue time, the click
//     destination and the address's length are readable by anyone holding
//     the token.
//   - No detail to an attacker: every failure is the one [ErrInvalid], and
//     how long it takes depends on public things (the length, the key id),
//     not on how much of the MAC matched.
//
// It does not prevent replay: whoever holds a token can use it as often as
// the recipient can (this is what a link in an email is), so consumers make
// their actions idempotent and can bound age with [Keyring.OpenMaxAge]. A
// leaked secret lets its holder forge tokens and read addresses until the
// key is retired from every keyring; retiring a key invalidates the links
// it signed in mail already sent.
package token
