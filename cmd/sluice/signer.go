package main

import (
	"crypto"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"sluice/configs"
	"sluice/dkim"
	"sluice/dkim/openssl"
	"sluice/mta/submit"
)

// attachSigners loads every configured DKIM key once (a bad or missing key
// stops start-up naming the domain and file) and gives each tenant a
// signer holding only the keys of its own sender domains, plus the ESP
// keys. A tenant therefore never gets mail signed for a domain it does not
// own, whatever its From header says. RSA keys sign through OpenSSL as
// dkim.rsa_engine says (rsaEngine); cgoRSA reports whether one does.
func attachSigners(cfg *configs.Config, tenants []*submit.Tenant, log *slog.Logger) (cgoRSA bool, err error) {
	if len(cfg.DKIM.Keys) == 0 && len(cfg.DKIM.ESPKeys) == 0 {
		return false, nil
	}
	engine := cfg.DKIM.RSAEngine
	if engine == "" {
		engine = "auto"
	}
	var used []string // the engines RSA keys sign with, for the log
	load := func(name string, ks []configs.DKIMKey) ([]dkim.Key, error) {
		out := make([]dkim.Key, 0, len(ks))
		for i, k := range ks {
			signer, err := dkim.LoadPrivateKey(k.File)
			if err != nil {
				return nil, fmt.Errorf("config: %s[%d] (domain %s): key file %s: %w", name, i, k.Domain, k.File, err)
			}
			if rk, ok := signer.(*rsa.PrivateKey); ok {
				var how string
				if signer, how, err = rsaEngine(engine, rk); err != nil {
					return nil, fmt.Errorf("config: %s[%d] (domain %s): key file %s: dkim.rsa_engine %q: %w", name, i, k.Domain, k.File, engine, err)
				}
				if !slices.Contains(used, how) {
					used = append(used, how)
				}
				if engine == "auto" && strings.HasPrefix(how, "go crypto/rsa (") {
					log.Warn("dkim: this RSA key signs with Go's crypto/rsa, not OpenSSL", "domain", k.Domain, "file", k.File, "engine", how)
				}
				_, ossl := signer.(*openssl.RSASigner)
				cgoRSA = cgoRSA || ossl
			}
			out = append(out, dkim.Key{Domain: k.Domain, Selector: k.Selector, Signer: signer})
		}
		return out, nil
	}
	keys, err := load("dkim.key", cfg.DKIM.Keys)
	if err != nil {
		return false, err
	}
	esp, err := load("dkim.esp_key", cfg.DKIM.ESPKeys)
	if err != nil {
		return false, err
	}
	for _, t := range tenants {
		var own []dkim.Key
		for _, k := range keys {
			if ownsDomain(t.SenderDomains, k.Domain) {
				own = append(own, k)
			}
		}
		if len(own) == 0 && len(esp) == 0 {
			continue
		}
		s, err := dkim.NewSigner(dkim.Options{Keys: own, ESPKeys: esp, Expiration: cfg.DKIM.Expiration.Duration})
		if err != nil {
			return false, fmt.Errorf("config: dkim (tenant %s): %w", t.Name, err)
		}
		t.Signer = s
	}
	if len(used) > 0 {
		log.Info("dkim: RSA signing engine", "setting", engine, "engine", strings.Join(used, "; "))
	}
	return cgoRSA, nil
}

// rsaEngine returns the crypto.Signer that signs with key under setting
// ("auto", "openssl" or "go") and a description of the engine chosen.
// "auto" falls back to crypto/rsa when OpenSSL is unavailable or fails its
// self-check; "openssl" makes that an error.
func rsaEngine(setting string, key *rsa.PrivateKey) (crypto.Signer, string, error) {
	if setting == "go" {
		return key, "go crypto/rsa", nil
	}
	s, err := openssl.NewRSASigner(key)
	if err != nil {
		if setting == "openssl" {
			return nil, "", err
		}
		return key, "go crypto/rsa (OpenSSL: " + err.Error() + ")", nil
	}
	lib, _ := openssl.Library()
	return s, lib, nil
}

// ownsDomain reports whether domain is one of domains or a subdomain of one.
func ownsDomain(domains []string, domain string) bool {
	domain = strings.ToLower(domain)
	for _, d := range domains {
		d = strings.ToLower(d)
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}
