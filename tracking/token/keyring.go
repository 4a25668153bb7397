package token

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// MinSecret is the shortest Key.Secret NewKeyring accepts, in bytes.
const MinSecret = 32

// HKDF-SHA256 (RFC 5869) info strings. Each secret yields a MAC key and,
// per (message, recipient), an address-encryption key; distinct infos keep
// them independent.
const (
	infoMAC  = "sluice/token v1 hmac-sha256"
	infoAddr = "sluice/token v1 aes-256-gcm addr "
)

// Key is one secret with its id. The id is written in every token the key
// signs, so that Open knows which key to check it with.
type Key struct {
	// ID names the key in tokens. Any value; unique within a Keyring.
	ID uint8
	// Secret is at least MinSecret bytes from a cryptographic random
	// source. Keep it out of logs.
	Secret []byte
}

// Keyring seals tokens with one signing key and opens tokens signed by it or
// by any verify-only key, which is how keys are rotated: add the new key as
// verify-only on every edge, then make it the signing key, then drop the old
// one once the tokens it signed no longer matter.
//
// A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	signing *keyState
	keys    [256]*keyState // by Key.ID
}

// keyState is what a Key is expanded into.
type keyState struct {
	id byte
	// prk is the HKDF-Extract of the secret, from which the address keys are
	// expanded.
	prk []byte
	// scratch pools *scratch values holding an HMAC keyed for this key, so
	// that verification allocates nothing.
	scratch sync.Pool
}

// scratch is the working memory of one Seal or Open.
type scratch struct {
	mac hash.Hash
	sum [sha256.Size]byte
	buf [MaxLen * 3 / 4]byte
	// lastTenant is the tenant of the last token opened with this
	// scratch: there are few tenants, so most opens reuse the string
	// rather than allocate one.
	lastTenant string
	// urls are the destinations of the last click tokens opened, most
	// recent first: a campaign's clicks go to a handful of links, so the
	// edge mostly reuses one of these strings.
	urls [4]string
}

// url returns b as a string, reusing one of urls when equal.
func (s *scratch) url(b []byte) string {
	for i, u := range s.urls {
		if string(b) == u {
			copy(s.urls[1:i+1], s.urls[:i])
			s.urls[0] = u
			return u
		}
	}
	u := string(b)
	copy(s.urls[1:], s.urls[:len(s.urls)-1])
	s.urls[0] = u
	return u
}

// tenant returns b as a string, reusing lastTenant when they are equal.
func (s *scratch) tenant(b []byte) string {
	if string(b) != s.lastTenant {
		s.lastTenant = string(b)
	}
	return s.lastTenant
}

// NewKeyring returns a keyring that seals with signing and opens tokens
// sealed with signing or any of verifyOnly. Every secret must be at least
// MinSecret bytes and every id distinct.
func NewKeyring(signing Key, verifyOnly ...Key) (*Keyring, error) {
	k := &Keyring{}
	for i, key := range append([]Key{signing}, verifyOnly...) {
		if len(key.Secret) < MinSecret {
			return nil, fmt.Errorf("token: key %d: secret of %d bytes, want at least %d", key.ID, len(key.Secret), MinSecret)
		}
		if k.keys[key.ID] != nil {
			return nil, fmt.Errorf("token: key %d given twice", key.ID)
		}
		ks, err := newKeyState(key)
		if err != nil {
			return nil, err
		}
		k.keys[key.ID] = ks
		if i == 0 {
			k.signing = ks
		}
	}
	return k, nil
}

// newKeyState derives the keys of one secret.
func newKeyState(key Key) (*keyState, error) {
	prk, err := hkdf.Extract(sha256.New, key.Secret, nil)
	if err != nil {
		return nil, fmt.Errorf("token: key %d: %w", key.ID, err)
	}
	macKey, err := hkdf.Expand(sha256.New, prk, infoMAC, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("token: key %d: %w", key.ID, err)
	}
	ks := &keyState{id: key.ID, prk: prk}
	ks.scratch.New = func() any { return &scratch{mac: hmac.New(sha256.New, macKey)} }
	return ks, nil
}

// get takes a scratch whose HMAC is reset.
func (ks *keyState) get() *scratch {
	s := ks.scratch.Get().(*scratch)
	s.mac.Reset()
	return s
}

// put returns s to the pool.
func (ks *keyState) put(s *scratch) { ks.scratch.Put(s) }

// tag returns the truncated HMAC-SHA256 of msg, in s.sum.
func (s *scratch) tag(msg []byte) []byte {
	s.mac.Write(msg)
	return s.mac.Sum(s.sum[:0])[:tagLen]
}

// tagLen is the length of the MAC in a token: 128 bits.
const tagLen = 16

// addrAEAD returns the AES-256-GCM (random 96-bit nonce) that encrypts the
// address of recipient rcpt of message msg. Each (message, recipient) has
// its own key, expanded from the secret, so the 2^32-encryptions limit of
// random GCM nonces applies per recipient, not per secret: an MTA sending
// a billion messages a month would reach it within months under one key.
func (ks *keyState) addrAEAD(msg uint64, rcpt uint32) (cipher.AEAD, error) {
	var ids [12]byte
	binary.BigEndian.PutUint64(ids[:8], msg)
	binary.BigEndian.PutUint32(ids[8:], rcpt)
	key, err := hkdf.Expand(sha256.New, ks.prk, infoAddr+string(ids[:]), 32)
	if err != nil {
		return nil, fmt.Errorf("token: address key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token: address key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("token: address key: %w", err)
	}
	return aead, nil
}

// errNoKeyring is returned by methods called on a nil or zero Keyring.
var errNoKeyring = errors.New("token: keyring not initialised (use NewKeyring)")
