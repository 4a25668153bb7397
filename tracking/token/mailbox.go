package token

import (
	"crypto/hmac"
	"math"
)

// minMailboxToken is the length in symbols of the shortest mailbox token:
// header, two one-byte varints and the tag.
const minMailboxToken = ((hdrLen+2+tagLen)*8 + 4) / 5

// SealMailbox returns the mailbox-form token for c, for a VERP return path
// (b.<token>@bounce-domain) or a List-Unsubscribe mailto address
// (u.<token>@bounce-domain): lower-case base32 without padding, at most 55
// characters (MaxMailboxLen is 60), so the local part stays within the 64
// octets of RFC 5321 §4.5.3.1.1 and survives MTAs that change its case.
//
// Only Bounce and MailUnsubscribe claims with no more than Kind, Message and
// Rcpt set are accepted; whoever opens the token looks the rest up in the
// queue's recipient directory. The message id tells the token's age: queue
// ids are allocated from the clock in microseconds.
func (k *Keyring) SealMailbox(c Claims) (string, error) {
	if k == nil || k.signing == nil {
		return "", errNoKeyring
	}
	if err := checkMailboxClaims(&c); err != nil {
		return "", err
	}
	ks := k.signing
	s := ks.get()
	defer ks.put(s)
	b := append(s.buf[:0], versionMailbox, ks.id, byte(c.Kind))
	b = appendUvarint(b, c.Message)
	b = appendUvarint(b, uint64(c.Rcpt))
	b = append(b, s.tag(b)...)
	return encode(b, 5, alphabet32), nil
}

// OpenMailbox verifies a mailbox-form token, in either case, and returns its
// claims. Like Open, any failure is ErrInvalid. The caller strips the
// "b." or "u." prefix and the domain.
func (k *Keyring) OpenMailbox(tok string) (Claims, error) {
	if k == nil || len(tok) < minMailboxToken || len(tok) > MaxMailboxLen {
		return Claims{}, ErrInvalid
	}
	var raw [MaxMailboxLen * 5 / 8]byte
	n, ok := decode(raw[:], tok, 5)
	if !ok || raw[0] != versionMailbox {
		return Claims{}, ErrInvalid
	}
	ks := k.keys[raw[1]]
	if ks == nil {
		return Claims{}, ErrInvalid
	}
	s := ks.get()
	defer ks.put(s)
	// Through the scratch: raw would escape to the heap if handed to the
	// HMAC's Write.
	body := s.buf[:copy(s.buf[:], raw[:n-tagLen])]
	if !hmac.Equal(s.tag(body), raw[n-tagLen:n]) {
		return Claims{}, ErrInvalid
	}
	r := reader{b: body[hdrLen:]}
	c := Claims{Kind: Kind(body[2])}
	c.Message = r.uvarint(math.MaxUint64)
	c.Rcpt = uint32(r.uvarint(math.MaxUint32))
	if r.bad || len(r.b) != 0 || checkMailboxClaims(&c) != nil {
		return Claims{}, ErrInvalid
	}
	return c, nil
}
