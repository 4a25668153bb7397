package main

import (
	"fmt"
	"strings"

	"sluice/configs"
	"sluice/dkim"
	"sluice/mta/submit"
)

// attachSigners loads every configured DKIM key once (a bad or missing key
// stops start-up naming the domain and file) and gives each tenant a
// signer holding only the keys of its own sender domains, plus the ESP
// keys. A tenant therefore never gets mail signed for a domain it does not
// own, whatever its From header says.
func attachSigners(cfg *configs.Config, tenants []*submit.Tenant) error {
	if len(cfg.DKIM.Keys) == 0 && len(cfg.DKIM.ESPKeys) == 0 {
		return nil
	}
	load := func(name string, ks []configs.DKIMKey) ([]dkim.Key, error) {
		out := make([]dkim.Key, 0, len(ks))
		for i, k := range ks {
			signer, err := dkim.LoadPrivateKey(k.File)
			if err != nil {
				return nil, fmt.Errorf("config: %s[%d] (domain %s): key file %s: %w", name, i, k.Domain, k.File, err)
			}
			out = append(out, dkim.Key{Domain: k.Domain, Selector: k.Selector, Signer: signer})
		}
		return out, nil
	}
	keys, err := load("dkim.key", cfg.DKIM.Keys)
	if err != nil {
		return err
	}
	esp, err := load("dkim.esp_key", cfg.DKIM.ESPKeys)
	if err != nil {
		return err
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
			return fmt.Errorf("config: dkim (tenant %s): %w", t.Name, err)
		}
		t.Signer = s
	}
	return nil
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
