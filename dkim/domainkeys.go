package dkim

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

// DomainKey is one key generated for a sending domain kept as data (the
// tenants store): the private key travels as PEM bytes, never as a file of
// its own, so that it lives only in the store that holds it.
type DomainKey struct {
	// Algo is "rsa" (RSA-2048) or "ed25519".
	Algo string
	// Selector is dated so that a rotation publishes a new name next to
	// the old one (RFC 6376 §3.1 selectors exist for this): s<YYYYMM>r for
	// RSA, s<YYYYMM>e for Ed25519 ("s202612r").
	Selector string
	// PrivatePEM is the key as a PEM "PRIVATE KEY" (PKCS#8) block.
	PrivatePEM []byte
	// TXT is the value to publish at Selector._domainkey.<domain>
	// (RFC 6376 §3.6.1; RFC 8463 §4.2 for Ed25519).
	TXT string
}

// DatedSelector returns the selector of a key of algo made at t:
// "s" + YYYYMM (UTC) + "r" for RSA or "e" for Ed25519.
func DatedSelector(algo string, t time.Time) string {
	suffix := "r"
	if algo == "ed25519" {
		suffix = "e"
	}
	return "s" + t.UTC().Format("200601") + suffix
}

// GenerateDomainKeys makes the dual-signing pair of a sending domain at
// time now (RFC 8463 §1: RSA for every verifier, Ed25519 for the ones that
// know it), RSA first as the signer wants them.
func GenerateDomainKeys(now time.Time) ([]DomainKey, error) {
	var out []DomainKey
	for _, algo := range []string{"rsa", "ed25519"} {
		key, err := GenerateKey(algo)
		if err != nil {
			return nil, err
		}
		pemBytes, err := MarshalPrivateKey(key)
		if err != nil {
			return nil, err
		}
		txt, err := TXTValue(key.Public())
		if err != nil {
			return nil, err
		}
		out = append(out, DomainKey{Algo: algo, Selector: DatedSelector(algo, now), PrivatePEM: pemBytes, TXT: txt})
	}
	return out, nil
}

// MarshalPrivateKey encodes key as a PEM "PRIVATE KEY" (PKCS#8) block,
// what [WritePrivateKey] writes and [ParsePrivateKey] reads.
func MarshalPrivateKey(key crypto.Signer) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, wrapf(err, "marshal key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dkim: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey decodes a PEM private key held in memory, with the rules
// of [LoadPrivateKey].
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	key, err := parsePrivateKey(data)
	if err != nil {
		return nil, wrapf(err, "parse key")
	}
	return key, nil
}

// DomainKeyName is the owner name of a key's TXT record:
// selector._domainkey.domain (RFC 6376 §3.6.2.1).
func DomainKeyName(selector, domain string) string {
	return selector + "._domainkey." + strings.TrimSuffix(domain, ".")
}

// GenerateRotationKeys makes a new dual-signing pair for a domain that
// already has keys (a rotation): each selector is the dated one of
// [DatedSelector] unless taken reports it in use, then the day's
// ("s20261231r"), then the day's with a number ("s20261231r2"…), so that
// a rotation never reuses a published name (RFC 6376 §3.1: a selector
// names one key; a verifier's cache must not mix the old key and the new).
func GenerateRotationKeys(now time.Time, taken func(selector string) bool) ([]DomainKey, error) {
	keys, err := GenerateDomainKeys(now)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		sel, err := freeSelector(keys[i].Algo, now, taken)
		if err != nil {
			return nil, err
		}
		keys[i].Selector = sel
	}
	return keys, nil
}

// freeSelector returns the first selector of algo at now that taken does
// not report.
func freeSelector(algo string, now time.Time, taken func(string) bool) (string, error) {
	if s := DatedSelector(algo, now); !taken(s) {
		return s, nil
	}
	day := DatedSelector(algo, now)
	day = "s" + now.UTC().Format("20060102") + day[len(day)-1:]
	if !taken(day) {
		return day, nil
	}
	for n := 2; n < 100; n++ {
		if s := fmt.Sprintf("%s%d", day, n); !taken(s) {
			return s, nil
		}
	}
	return "", fmt.Errorf("dkim: no free %s selector on %s", algo, now.UTC().Format("2006-01-02"))
}
