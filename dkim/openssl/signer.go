package openssl

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// ErrUnavailable reports that OpenSSL cannot be used: the binary was built
// without cgo, the platform is not Linux, or libcrypto.so.3 could not be
// loaded. Match it with errors.Is; the wrapping error says which.
var ErrUnavailable = errors.New("openssl: libcrypto unavailable")

// RSASigner is a crypto.Signer for one RSA private key whose PKCS #1 v1.5
// signatures over SHA-256 digests are made by OpenSSL. Other hashes and
// PSS fall back to crypto/rsa. It is safe for concurrent use.
type RSASigner struct {
	key  *rsa.PrivateKey
	pkey *pkey // the key inside libcrypto; freed when the signer is collected
}

// NewRSASigner loads key into libcrypto and checks, by signing a fixed
// digest both ways, that OpenSSL's signature equals crypto/rsa's. It fails
// with an error wrapping ErrUnavailable when libcrypto cannot be used, or
// with another error when the key is refused or the check fails; in every
// case key itself remains usable as a crypto.Signer.
func NewRSASigner(key *rsa.PrivateKey) (*RSASigner, error) {
	if key == nil {
		return nil, errors.New("openssl: nil RSA key")
	}
	pk, err := loadKey(key)
	if err != nil {
		return nil, err
	}
	s := &RSASigner{key: key, pkey: pk}
	digest := sha256.Sum256([]byte("sluice: OpenSSL self-check"))
	got, err := s.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("openssl: self-check: %w", err)
	}
	want, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fmt.Errorf("openssl: self-check with crypto/rsa: %w", err)
	}
	if string(got) != string(want) {
		return nil, errors.New("openssl: self-check: OpenSSL and crypto/rsa signatures differ")
	}
	return s, nil
}

// Public returns the key's *rsa.PublicKey.
func (s *RSASigner) Public() crypto.PublicKey { return &s.key.PublicKey }

// Sign signs a SHA-256 digest with PKCS #1 v1.5 padding in OpenSSL. For
// any other hash or for PSS options it uses crypto/rsa. rand is not used
// by the OpenSSL path (the padding is deterministic and OpenSSL blinds with
// its own generator).
func (s *RSASigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss || opts.HashFunc() != crypto.SHA256 {
		return s.key.Sign(rand, digest, opts)
	}
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("openssl: SHA-256 digest of %d bytes", len(digest))
	}
	return s.pkey.signSHA256(digest, s.key.Size())
}

// Library describes the libcrypto in use ("OpenSSL 3.0.19 27 Jan 2026"),
// or returns an error wrapping ErrUnavailable.
func Library() (string, error) { return version() }
