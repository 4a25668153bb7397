package main

import (
	"fmt"

	"sluice/configs"
	"sluice/dkim"
)

// buildSigner loads every configured DKIM key once (a bad or missing key
// stops start-up naming the domain and file) and returns the signer, or
// nil when no key is configured.
func buildSigner(cfg *configs.Config) (*dkim.Signer, error) {
	if len(cfg.DKIM.Keys) == 0 && len(cfg.DKIM.ESPKeys) == 0 {
		return nil, nil
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
		return nil, err
	}
	esp, err := load("dkim.esp_key", cfg.DKIM.ESPKeys)
	if err != nil {
		return nil, err
	}
	s, err := dkim.NewSigner(dkim.Options{Keys: keys, ESPKeys: esp, Expiration: cfg.DKIM.Expiration.Duration})
	if err != nil {
		return nil, fmt.Errorf("config: dkim: %w", err)
	}
	return s, nil
}
