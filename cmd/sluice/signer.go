package main

import (
	"fmt"
	"log/slog"

	"sluice/configs"
	"sluice/dkim"
	"sluice/metrics"
	"sluice/mta/submit"
)

// attachSigners gives each tenant the signer of its sender domains and
// the ESP keys (dkim.LoadSigners: every key loaded once, a bad or missing
// key stops start-up naming the domain and file). cgoRSA reports whether
// an RSA key signs through OpenSSL (see tuneProcs).
func attachSigners(cfg *configs.Config, tenants []*submit.Tenant, log *slog.Logger) (cgoRSA bool, err error) {
	d := cfg.DKIM
	if len(d.Keys) == 0 && len(d.ESPKeys) == 0 {
		return false, nil
	}
	s, err := dkim.LoadSigners(dkim.SignersConfig{Keys: keyFiles(d.Keys), ESPKeys: keyFiles(d.ESPKeys), KeysName: "dkim.key",
		ESPName: "dkim.esp_key", RSAEngine: d.RSAEngine, Expiration: d.Expiration.Duration, Logger: log})
	if err != nil {
		return false, fmt.Errorf("config: %w", err)
	}
	for _, t := range tenants {
		sg, err := s.For(t.SenderDomains)
		if err != nil {
			return false, fmt.Errorf("config: dkim (tenant %s): %w", t.Name, err)
		}
		if sg != nil { // a nil *dkim.Signer is not a nil submit.Signer
			t.Signer = sg
		}
	}
	return s.OpenSSL(), nil
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
