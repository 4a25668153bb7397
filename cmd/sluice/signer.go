package main

import (
	"fmt"
	"log/slog"

	"sluice/configs"
	"sluice/dkim"
	"sluice/metrics"
	"sluice/mta/submit"
)

// attachSigners loads every configured DKIM key once (dkim.KeyLoader: a
// bad or missing key stops start-up naming the domain and file) and gives
// each tenant the signer dkim.TenantOptions allows it: the keys of its own
// sender domains plus the ESP keys. cgoRSA reports whether an RSA key
// signs through OpenSSL (see tuneProcs).
func attachSigners(cfg *configs.Config, tenants []*submit.Tenant, log *slog.Logger) (cgoRSA bool, err error) {
	if len(cfg.DKIM.Keys) == 0 && len(cfg.DKIM.ESPKeys) == 0 {
		return false, nil
	}
	kl := dkim.KeyLoader{RSAEngine: cfg.DKIM.RSAEngine, Logger: log}
	keys, err := kl.Load("dkim.key", keyFiles(cfg.DKIM.Keys))
	if err != nil {
		return false, fmt.Errorf("config: %w", err)
	}
	esp, err := kl.Load("dkim.esp_key", keyFiles(cfg.DKIM.ESPKeys))
	if err != nil {
		return false, fmt.Errorf("config: %w", err)
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
	kl.LogEngines()
	return kl.OpenSSL(), nil
}

// keyFiles maps configured keys onto dkim.KeyFile.
func keyFiles(ks []configs.DKIMKey) []dkim.KeyFile {
	out := make([]dkim.KeyFile, len(ks))
	for i, k := range ks {
		out[i] = dkim.KeyFile{Domain: k.Domain, Selector: k.Selector, File: k.File}
	}
	return out
}

// timeSigners puts each tenant's signer behind the metrics' timer
// (sluice_dkim_sign_seconds): one time.Now pair per message signed.
func timeSigners(tenants []*submit.Tenant, m *metrics.Set) {
	for _, t := range tenants {
		if t.Signer != nil {
			t.Signer = m.TimeSigner(t.Signer)
		}
	}
}
