package dkim

import (
	"crypto"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrKeyExists reports that [Keygen] found a key file already in place: a
// key whose public half may be published is never replaced.
var ErrKeyExists = errors.New("dkim: key file already exists")

// KeySpec names one key to generate: an algorithm ("rsa" or "ed25519") and
// the selector (s=, RFC 6376 §3.1) it is published under.
type KeySpec struct {
	Algo, Selector string
}

// KeySpecs returns the keys that one keygen run makes for algo: "rsa" or
// "ed25519" gives one key under selector; "both" gives an RSA key under
// selector and an Ed25519 key under edSelector (default selector+"-ed") for
// dual signing (RFC 8463 §1), which needs two selectors since a selector
// names one key. Its errors are the caller's usage errors.
func KeySpecs(algo, selector, edSelector string) ([]KeySpec, error) {
	switch algo {
	case "rsa", "ed25519":
		if edSelector != "" {
			return nil, errors.New("--ed25519-selector is only used with --algo both")
		}
		return []KeySpec{{Algo: algo, Selector: selector}}, nil
	case "both":
		if edSelector == "" {
			edSelector = selector + "-ed"
		}
		if strings.EqualFold(edSelector, selector) {
			return nil, errors.New("the RSA and Ed25519 keys need different selectors")
		}
		return []KeySpec{{Algo: "rsa", Selector: selector}, {Algo: "ed25519", Selector: edSelector}}, nil
	}
	return nil, fmt.Errorf("--algo must be rsa, ed25519 or both, not %q", algo)
}

// GeneratedKey is one key [Keygen] wrote.
type GeneratedKey struct {
	KeySpec
	// Path is the private key file: DIR/DOMAIN.SELECTOR.ALGO.key.
	Path string
	// Record is the DNS TXT record to publish, in zone-file syntax
	// (see [TXTRecord]).
	Record string
	key    crypto.Signer
}

// AlgoName is the key's algorithm as people write it: "RSA-2048" or
// "Ed25519".
func (g GeneratedKey) AlgoName() string {
	if g.Algo == "ed25519" {
		return "Ed25519"
	}
	return "RSA-2048"
}

// Keygen generates the keys of specs for domain, writes each to
// dir/DOMAIN.SELECTOR.ALGO.key (PEM PKCS#8, mode 0600, see
// [WritePrivateKey]; dir is created with mode 0700 if needed) and returns
// them with their TXT records. Every key is generated and checked before
// any is written, so a failure leaves no half-made pair behind; an existing
// file fails with [ErrKeyExists], a bad domain or selector with
// [ErrInvalidName].
func Keygen(dir, domain string, specs []KeySpec) ([]GeneratedKey, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	keys := make([]GeneratedKey, len(specs))
	for i, s := range specs {
		g := GeneratedKey{KeySpec: s, Path: filepath.Join(dir, domain+"."+s.Selector+"."+s.Algo+".key")}
		if _, err := os.Lstat(g.Path); err == nil {
			return nil, fmt.Errorf("%w: %s; refusing to overwrite it", ErrKeyExists, g.Path)
		}
		key, err := GenerateKey(s.Algo)
		if err != nil {
			return nil, err
		}
		if g.Record, err = TXTRecord(domain, s.Selector, key.Public()); err != nil {
			return nil, err
		}
		g.key = key
		keys[i] = g
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dkim: key directory: %w", err)
	}
	for _, g := range keys {
		if err := WritePrivateKey(g.Path, g.key); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
