package main

import (
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
// stops start-up naming the domain and file) and gives each tenant the
// signer dkim.TenantOptions allows it: the keys of its own sender domains
// plus the ESP keys. RSA keys sign through the engine dkim.rsa_engine
// chooses (openssl.ChooseRSA); cgoRSA reports whether one signs through
// OpenSSL (see tuneProcs).
func attachSigners(cfg *configs.Config, tenants []*submit.Tenant, log *slog.Logger) (cgoRSA bool, err error) {
	if len(cfg.DKIM.Keys) == 0 && len(cfg.DKIM.ESPKeys) == 0 {
		return false, nil
	}
	kl := keyLoader{engine: cfg.DKIM.RSAEngine, log: log}
	if kl.engine == "" {
		kl.engine = "auto"
	}
	keys, err := kl.load("dkim.key", cfg.DKIM.Keys)
	if err != nil {
		return false, err
	}
	esp, err := kl.load("dkim.esp_key", cfg.DKIM.ESPKeys)
	if err != nil {
		return false, err
	}
	for _, t := range tenants {
		opts, ok := dkim.TenantOptions(t.SenderDomains, keys, esp)
		if !ok {
			continue
		}
		opts.Expiration = cfg.DKIM.Expiration.Duration
		if t.Signer, err = dkim.NewSigner(opts); err != nil {
			return false, fmt.Errorf("config: dkim (tenant %s): %w", t.Name, err)
		}
	}
	if len(kl.used) > 0 {
		log.Info("dkim: RSA signing engine", "setting", kl.engine, "engine", strings.Join(kl.used, "; "))
	}
	return kl.cgoRSA, nil
}

// keyLoader loads configured keys, choosing the engine of RSA keys and
// noting which engines it chose, for the log.
type keyLoader struct {
	engine string
	log    *slog.Logger
	used   []string
	cgoRSA bool
}

func (kl *keyLoader) load(name string, ks []configs.DKIMKey) ([]dkim.Key, error) {
	out := make([]dkim.Key, 0, len(ks))
	for i, k := range ks {
		signer, err := dkim.LoadPrivateKey(k.File)
		if err != nil {
			return nil, fmt.Errorf("config: %s[%d] (domain %s): key file %s: %w", name, i, k.Domain, k.File, err)
		}
		if rk, ok := signer.(*rsa.PrivateKey); ok {
			e, err := openssl.ChooseRSA(kl.engine, rk)
			if err != nil {
				return nil, fmt.Errorf("config: %s[%d] (domain %s): key file %s: dkim.rsa_engine %q: %w", name, i, k.Domain, k.File, kl.engine, err)
			}
			if !slices.Contains(kl.used, e.Name) {
				kl.used = append(kl.used, e.Name)
			}
			if e.Fallback {
				kl.log.Warn("dkim: this RSA key signs with Go's crypto/rsa, not OpenSSL", "domain", k.Domain, "file", k.File, "engine", e.Name)
			}
			signer, kl.cgoRSA = e.Signer, kl.cgoRSA || e.OpenSSL
		}
		out = append(out, dkim.Key{Domain: k.Domain, Selector: k.Selector, Signer: signer})
	}
	return out, nil
}
