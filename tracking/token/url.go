package token

import (
	"crypto/hmac"
	"math"
	"time"
)

// Format bytes: the first byte of every token.
const (
	versionURL     = 0x01 // URL form, version 1
	versionMailbox = 0x81 // mailbox form, version 1 (high bit: mailbox)
)

// Flag bits of the URL form.
const (
	flagTransactional = 1 << 0 // Stream is StreamTransactional
	flagAddr          = 1 << 1 // an encrypted address follows
	flagsKnown        = flagTransactional | flagAddr
)

// hdrLen is the length of version, key id and kind.
const hdrLen = 3

// addrOverhead is what AES-GCM with a random nonce adds to the address:
// a 12-byte nonce and a 16-byte tag.
const addrOverhead = 12 + 16

// minURLToken is the length in symbols of the shortest URL token: header,
// flags, an empty tenant, three one-byte varints and the tag.
const minURLToken = ((hdrLen+1+1+3+tagLen)*8 + 5) / 6

// Seal returns the URL-form token for c: base64url without padding, safe in
// a path segment, a query value and an HTML attribute as it is. Open, Click
// and Unsubscribe claims only; see checkURLClaims for the rest.
func (k *Keyring) Seal(c Claims) (string, error) {
	if k == nil || k.signing == nil {
		return "", errNoKeyring
	}
	if err := checkURLClaims(&c); err != nil {
		return "", err
	}
	ks := k.signing
	s := ks.get()
	defer ks.put(s)

	b := append(s.buf[:0], versionURL, ks.id, byte(c.Kind))
	var flags byte
	if c.Stream == StreamTransactional {
		flags |= flagTransactional
	}
	if c.Addr != "" {
		flags |= flagAddr
	}
	b = append(b, flags)
	b = appendUvarint(b, uint64(len(c.Tenant)))
	b = append(b, c.Tenant...)
	b = appendUvarint(b, c.Message)
	b = appendUvarint(b, uint64(c.Rcpt))
	issued, _ := issuedValue(c.Issued) // checked above
	b = appendUvarint(b, issued)
	if c.Kind == Click {
		b = appendUvarint(b, uint64(c.Link))
		b = appendUvarint(b, uint64(len(c.URL)))
		b = append(b, c.URL...)
	}
	if c.Addr != "" {
		aead, err := ks.addrAEAD(c.Message, c.Rcpt)
		if err != nil {
			return "", err
		}
		b = appendUvarint(b, uint64(len(c.Addr)+addrOverhead))
		// The header is the associated data, so the ciphertext is bound to
		// the kind as well as to (message, recipient) through its key. (A
		// copy: the AEAD wants ad apart from dst.)
		hdr := [hdrLen]byte{b[0], b[1], b[2]}
		b = aead.Seal(b, nil, []byte(c.Addr), hdr[:])
	}
	b = append(b, s.tag(b)...)
	return encode(b, 6, alphabet64), nil
}

// Open verifies tok and returns its claims. Any token that Seal did not make
// with a key of this keyring, exactly as it made it, gives ErrInvalid and
// zero claims. The MAC is checked, in constant time, before anything in the
// payload is read. Open does not look at the issue time; see OpenMaxAge.
func (k *Keyring) Open(tok string) (Claims, error) { return openURL(k, tok) }

// OpenBytes is Open for a token held in a byte slice (an HTTP request's
// path, say), without copying it into a string first.
func (k *Keyring) OpenBytes(tok []byte) (Claims, error) { return openURL(k, tok) }

func openURL[T string | []byte](k *Keyring, tok T) (Claims, error) {
	if k == nil || len(tok) < minURLToken || len(tok) > MaxLen {
		return Claims{}, ErrInvalid
	}
	// The first four symbols are the first three bytes: version, key id,
	// kind. The key id picks the scratch (and so the HMAC) to use.
	var hdr [hdrLen]byte
	if n, ok := decode(hdr[:], tok[:4], 6); !ok || n != hdrLen || hdr[0] != versionURL {
		return Claims{}, ErrInvalid
	}
	ks := k.keys[hdr[1]]
	if ks == nil {
		return Claims{}, ErrInvalid
	}
	s := ks.get()
	defer ks.put(s)
	n, ok := decode(s.buf[:], tok, 6)
	if !ok || n < hdrLen+tagLen {
		return Claims{}, ErrInvalid
	}
	body, tag := s.buf[:n-tagLen], s.buf[n-tagLen:n]
	if !hmac.Equal(s.tag(body), tag) {
		return Claims{}, ErrInvalid
	}
	c, ok := ks.parseURL(body, s)
	if !ok {
		return Claims{}, ErrInvalid
	}
	return c, nil
}

// parseURL decodes the authenticated body of a URL-form token. It refuses
// what Seal would not have written, so every token that opens re-seals to
// the same claims.
func (ks *keyState) parseURL(body []byte, s *scratch) (Claims, bool) {
	r := reader{b: body[hdrLen:]}
	c := Claims{Kind: Kind(body[2])}
	flags := r.byte()
	c.Tenant = s.tenant(r.bytes(0, MaxTenant))
	c.Message = r.uvarint(math.MaxUint64)
	c.Rcpt = uint32(r.uvarint(math.MaxUint32))
	c.Issued = issuedTime(r.uvarint(maxIssued))
	if c.Kind == Click {
		c.Link = uint16(r.uvarint(math.MaxUint16))
		c.URL = s.url(r.bytes(1, MaxURL))
	}
	var sealed []byte
	if flags&flagAddr != 0 {
		sealed = r.bytes(1+addrOverhead, MaxAddr+addrOverhead)
	}
	if r.bad || len(r.b) != 0 || flags&^flagsKnown != 0 {
		return Claims{}, false
	}
	if flags&flagTransactional != 0 {
		c.Stream = StreamTransactional
	}
	if checkURLClaims(&c) != nil {
		return Claims{}, false
	}
	if sealed != nil {
		aead, err := ks.addrAEAD(c.Message, c.Rcpt)
		if err != nil {
			return Claims{}, false
		}
		addr, err := aead.Open(nil, nil, sealed, body[:hdrLen])
		if err != nil {
			return Claims{}, false
		}
		c.Addr = string(addr)
	}
	return c, true
}

// OpenMaxAge is Open that also refuses, with ErrExpired, a token issued more
// than maxAge before now or without an issue time. Validity comes first: a
// token that is both forged and old gives ErrInvalid. With ErrExpired the
// authentic claims are returned too, for logging or a softer answer; an
// edge that wants no more than a yes or no ignores them. Tokens issued after
// now (clock skew between nodes) are accepted.
func (k *Keyring) OpenMaxAge(tok string, now time.Time, maxAge time.Duration) (Claims, error) {
	c, err := openURL(k, tok)
	return checkAge(c, err, now, maxAge)
}

// OpenBytesMaxAge is OpenMaxAge for a token held in a byte slice.
func (k *Keyring) OpenBytesMaxAge(tok []byte, now time.Time, maxAge time.Duration) (Claims, error) {
	c, err := openURL(k, tok)
	return checkAge(c, err, now, maxAge)
}

// checkAge applies OpenMaxAge's rule to the result of openURL.
func checkAge(c Claims, err error, now time.Time, maxAge time.Duration) (Claims, error) {
	if err != nil {
		return Claims{}, err
	}
	if c.Issued.IsZero() || now.Sub(c.Issued) > maxAge {
		return c, ErrExpired
	}
	return c, nil
}
