package configs

import "fmt"

// DKIM configures signing keys. A message is signed with every key of its
// From domain (or the nearest parent domain that has keys).
type DKIM struct {
	// Keys per signing domain; two keys for one domain (RSA and Ed25519)
	// give dual signatures (RFC 8463).
	Keys []DKIMKey `toml:"key"`
	// ESPKeys add a second signature, with the sending service's own
	// domain, to every message (for feedback loops keyed on d=).
	ESPKeys []DKIMKey `toml:"esp_key"`
	// Expiration sets x= this long after t=. Default "0s": no x=.
	Expiration Duration `toml:"expiration"`
	// RSAEngine picks the RSA signing code: "auto" (the default) uses the
	// system's OpenSSL 3 libcrypto when it loads and passes its self-check,
	// else Go's crypto/rsa; "openssl" requires OpenSSL (start-up fails
	// without it); "go" always uses crypto/rsa; "" means "auto". OpenSSL
	// signs RSA-2048 about 2.8 times faster on x86-64 (dkim/openssl);
	// while it does, `sluice serve` raises GOMAXPROCS (see tuneProcs).
	RSAEngine string `toml:"rsa_engine"`
	// RequireAligned says whose mail is refused (550 5.7.1) when it would
	// leave without a DKIM signature aligned with its From domain
	// (DMARC, RFC 7489 §3.1.1): "store" (the default) refuses it for
	// tenants kept as data (their domains carry their own keys), "all"
	// for the [[tenant]] tables too (a configured tenant with no
	// dkim.key for its From domain is then refused).
	RequireAligned string `toml:"require_aligned"`
	// ESPFallback accepts such a message when the service's own key
	// (dkim.esp_key) signed it: not aligned, but signed by an accountable
	// domain. Default false: refused.
	ESPFallback bool `toml:"esp_fallback"`
}

// RequireAlignedAll reports whether dkim.require_aligned covers the
// configured tenants too.
func (d DKIM) RequireAlignedAll() bool { return d.RequireAligned == "all" }

// DKIMKey is one signing key.
type DKIMKey struct {
	Domain   string `toml:"domain"`
	Selector string `toml:"selector"`
	// File is the PEM private key (RSA or Ed25519).
	File string `toml:"file"`
}

// validate checks the [dkim] table and its keys.
func (d DKIM) validate() error {
	for name, keys := range map[string][]DKIMKey{"dkim.key": d.Keys, "dkim.esp_key": d.ESPKeys} {
		for i, k := range keys {
			key := fmt.Sprintf("%s[%d]", name, i)
			if k.Domain == "" || k.Selector == "" || k.File == "" {
				return keyError(key, "domain, selector and file are all required")
			}
		}
	}
	if d.Expiration.Duration < 0 {
		return keyError("dkim.expiration", "must not be negative")
	}
	switch d.RSAEngine {
	case "", "auto", "openssl", "go":
	default:
		return keyError("dkim.rsa_engine", "must be auto, openssl or go, not %q", d.RSAEngine)
	}
	switch d.RequireAligned {
	case "", "store", "all":
	default:
		return keyError("dkim.require_aligned", "must be store or all, not %q", d.RequireAligned)
	}
	return nil
}
