package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Sentinel errors for key handling; match them with errors.Is.
var (
	// ErrUnsupportedKey reports a key or algorithm other than RSA and
	// Ed25519, the two DKIM defines (RFC 6376 §3.3, RFC 8463).
	ErrUnsupportedKey = errors.New("dkim: unsupported key type")
	// ErrWeakKey reports an RSA key under 1024 bits, which verifiers must
	// not accept (RFC 8301 §3.2).
	ErrWeakKey = errors.New("dkim: RSA key shorter than 1024 bits")
	// ErrInvalidName reports a domain or selector that cannot be used in a
	// DKIM key record name (<selector>._domainkey.<domain>, RFC 6376 §3.6.2.1).
	ErrInvalidName = errors.New("dkim: invalid domain or selector")
)

const (
	// rsaBits is the size of generated RSA keys: RFC 8301 §3.2 says signers
	// SHOULD use at least 2048 bits, and larger keys no longer fit a single
	// TXT string nor sign fast enough for the hot path.
	rsaBits = 2048
	// minRSABits is the smallest RSA key accepted (RFC 8301 §3.2).
	minRSABits = 1024
)

// GenerateKey creates a new signing key: algo "rsa" gives an RSA-2048 key,
// "ed25519" an Ed25519 key. It exists so that `sluice dkim keygen` and tests
// need no external tool.
func GenerateKey(algo string) (crypto.Signer, error) {
	switch algo {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return nil, fmt.Errorf("dkim: generate RSA key: %w", err)
		}
		return k, nil
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("dkim: generate Ed25519 key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%w: algorithm %q (want rsa or ed25519)", ErrUnsupportedKey, algo)
	}
}

// WritePrivateKey stores key at path as a PEM "PRIVATE KEY" (PKCS#8) block,
// the format both RSA and Ed25519 share, with mode 0600 since it is a
// secret. It refuses to overwrite an existing file, so a rerun of keygen
// cannot silently replace a key whose public half is already published.
func WritePrivateKey(path string, key crypto.Signer) error {
	if err := checkKey(key); err != nil {
		return wrapf(err, "write %s", path)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return wrapf(err, "write %s", path)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dkim: write key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("dkim: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("dkim: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("dkim: close %s: %w", path, err)
	}
	return nil
}

// LoadPrivateKey reads a signing key from a PEM file: "RSA PRIVATE KEY"
// (PKCS#1, as written by `openssl genrsa -traditional` and opendkim-genkey)
// or "PRIVATE KEY" (PKCS#8, RSA or Ed25519, as written by WritePrivateKey and
// `openssl genpkey`). RSA keys under 1024 bits are rejected with ErrWeakKey.
// Other PEM blocks before the key (such as EC parameters) are skipped.
func LoadPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dkim: load key: %w", err)
	}
	key, err := parsePrivateKey(data)
	if err != nil {
		return nil, wrapf(err, "load %s", path)
	}
	return key, nil
}

// parsePrivateKey decodes the first private key block of a PEM file.
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM private key block found")
		}
		var (
			parsed any
			err    error
		)
		switch block.Type {
		case "RSA PRIVATE KEY":
			parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "PRIVATE KEY":
			parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%w: PEM %q (want RSA or Ed25519, unencrypted)", ErrUnsupportedKey, block.Type)
		default:
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), "1024") {
				// Since Go 1.24, crypto/x509 refuses small RSA keys itself.
				return nil, fmt.Errorf("%w: %v", ErrWeakKey, err)
			}
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		signer, ok := parsed.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, parsed)
		}
		if err := checkKey(signer); err != nil {
			return nil, err
		}
		return signer, nil
	}
}

// checkKey reports whether key can sign DKIM messages: RSA of at least 1024
// bits or Ed25519, internally consistent where that can be checked.
func checkKey(key crypto.Signer) error {
	if key == nil {
		return fmt.Errorf("%w: nil key", ErrUnsupportedKey)
	}
	// Check the length first: Public panics on a short Ed25519 key.
	if priv, ok := key.(ed25519.PrivateKey); ok && len(priv) != ed25519.PrivateKeySize {
		return fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrUnsupportedKey, len(priv))
	}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub == nil || pub.N == nil {
			return fmt.Errorf("%w: empty RSA key", ErrUnsupportedKey)
		}
		if bits := pub.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("%w: %d bits", ErrWeakKey, bits)
		}
		if priv, ok := key.(*rsa.PrivateKey); ok {
			if err := priv.Validate(); err != nil {
				return fmt.Errorf("dkim: invalid RSA key: %w", err)
			}
		}
	case ed25519.PublicKey:
		if len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrUnsupportedKey, len(pub))
		}
		if priv, ok := key.(ed25519.PrivateKey); ok {
			derived := ed25519.NewKeyFromSeed(priv.Seed()).Public().(ed25519.PublicKey)
			if !derived.Equal(pub) {
				return errors.New("dkim: invalid Ed25519 key: public half does not match seed")
			}
		}
	default:
		return fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
	}
	return nil
}

// TXTValue returns the DNS TXT record value that publishes pub
// (RFC 6376 §3.6.1): "v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>" for
// RSA, the form every verifier accepts (RFC 6376 Appendix C), and
// "v=DKIM1; k=ed25519; p=<base64 raw 32-byte key>" for Ed25519 (RFC 8463 §4.2).
func TXTValue(pub crypto.PublicKey) (string, error) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if pub == nil || pub.N == nil {
			return "", fmt.Errorf("%w: empty RSA key", ErrUnsupportedKey)
		}
		if bits := pub.N.BitLen(); bits < minRSABits {
			return "", fmt.Errorf("%w: %d bits", ErrWeakKey, bits)
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("dkim: encode RSA public key: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		if len(pub) != ed25519.PublicKeySize {
			return "", fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrUnsupportedKey, len(pub))
		}
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	default:
		return "", fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
	}
}

// maxTXTString is the longest character-string a TXT record may hold
// (RFC 1035 §3.3); verifiers concatenate the strings (RFC 6376 §3.6.2.2).
const maxTXTString = 255

// TXTRecord returns the zone-file line that publishes pub for selector in
// domain, ready to paste into a zone, for example
//
//	s2026._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p=MIIB…" "…" )
//
// The value is split into strings of at most 255 bytes, which RSA-2048 keys
// need.
func TXTRecord(domain, selector string, pub crypto.PublicKey) (string, error) {
	domain = strings.TrimSuffix(domain, ".")
	if err := checkName(domain); err != nil {
		return "", wrapf(err, "domain %q", domain)
	}
	if err := checkName(selector); err != nil {
		return "", wrapf(err, "selector %q", selector)
	}
	value, err := TXTValue(pub)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(selector)
	b.WriteString("._domainkey.")
	b.WriteString(domain)
	b.WriteString(". IN TXT (")
	for len(value) > 0 {
		n := min(len(value), maxTXTString)
		// The value is base64 and "v=DKIM1; k=…; p=": no quote or
		// backslash needs escaping.
		b.WriteString(` "`)
		b.WriteString(value[:n])
		b.WriteString(`"`)
		value = value[n:]
	}
	b.WriteString(" )")
	return b.String(), nil
}

// checkName reports whether s is a usable domain name or selector: dot-separated
// labels of letters, digits, '-' and '_' (selectors are sub-domains,
// RFC 6376 §3.1; '_' is tolerated because some providers use it), each label
// 1 to 63 bytes, 253 bytes in all. It keeps tag values (d=, s=) free of the
// ';', '=' and whitespace that would corrupt the signature field.
func checkName(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	if len(s) > 253 {
		return fmt.Errorf("%w: longer than 253 bytes", ErrInvalidName)
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%w: empty or over-long label", ErrInvalidName)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: character %q", ErrInvalidName, c)
			}
		}
	}
	return nil
}
