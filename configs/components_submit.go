package configs

import (
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"sluice/dkim"
	"sluice/internal/certs"
	"sluice/mta/submit"
	"sluice/tracking"
	"sluice/tracking/token"
)

// TenantDeps are what BuildTenants takes besides the config.
type TenantDeps struct {
	// Out receives the development tenant's password, printed once when
	// it is made.
	Out     io.Writer
	Keyring *token.Keyring // the tracking keyring of the tenants' trackers
	Logger  *slog.Logger
	// TimeSigner, when set, wraps each tenant's signer (the metrics'
	// sluice_dkim_sign_seconds timer).
	TimeSigner func(submit.Signer) submit.Signer
}

// BuildTenants is the submission's tenants as start-up and each config
// reload build them: the [[tenant]] tables, or else the development
// tenant (made in data_dir on first start); each with the default pool
// when it names none (stored under that real name, so holds on the pool
// cover its mail), the signer of its sender domains and the ESP keys
// (timed), refusing unaligned mail under dkim.require_aligned = "all",
// and its link tracker under tracking.base_url. cgoRSA reports an RSA key
// signing through OpenSSL (what GOMAXPROCS tuning acts on).
func (c *Config) BuildTenants(d TenantDeps) (ts []*submit.Tenant, cgoRSA bool, err error) {
	if ts = c.SubmitTenants(); ts == nil {
		t, err := submit.LoadOrCreateDevTenant(c.DataDir, d.Out)
		if err != nil {
			return nil, false, fmt.Errorf("development tenant: %w", err)
		}
		ts = []*submit.Tenant{t}
	}
	for _, t := range ts {
		if len(t.Pools) == 0 {
			t.Pools = []string{c.Delivery.DefaultPool}
		}
	}
	if cgoRSA, err = c.AttachSigners(ts, d.Logger); err != nil {
		return nil, false, err
	}
	for _, t := range ts {
		if t.Signer != nil && d.TimeSigner != nil {
			t.Signer = d.TimeSigner(t.Signer)
		}
		if c.DKIM.RequireAlignedAll() {
			t.Signer = submit.RequireAligned(t.Signer, c.DKIM.ESPFallback)
		}
	}
	c.attachTrackers(ts, d.Keyring, d.Logger)
	return ts, cgoRSA, nil
}

// attachTrackers gives each [[tenant]] its link tracker (the development
// tenant has no tracking settings); without tracking.base_url there is
// none, and that is logged.
func (c *Config) attachTrackers(ts []*submit.Tenant, kr *token.Keyring, log *slog.Logger) {
	if c.Tracking.BaseURL == "" {
		log.Warn("tracking.base_url is not set: no tracking links and no List-Unsubscribe headers")
		return
	}
	for i := range c.Tenants {
		ts[i].Tracker = tracking.NewTracker(c.TenantTracker(i, kr))
	}
}

// AttachSigners gives each tenant the signer of its sender domains and
// the ESP keys (dkim.LoadSigners: every key loaded once, a bad or missing
// key stops start-up naming the domain and file). cgoRSA reports whether
// an RSA key signs through OpenSSL.
func (c *Config) AttachSigners(ts []*submit.Tenant, log *slog.Logger) (cgoRSA bool, err error) {
	if len(c.DKIM.Keys) == 0 && len(c.DKIM.ESPKeys) == 0 {
		return false, nil
	}
	s, err := dkim.LoadSigners(c.DKIM.Signers(log))
	if err != nil {
		return false, fmt.Errorf("config: %w", err)
	}
	for _, t := range ts {
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

// WarnUnsigned says which [[tenant]]s' sender domains have no DKIM key
// of their own (nor a parent's: dkim.AlignedKeyFiles): their mail leaves
// unsigned (counted in sluice_dkim_unsigned_messages_total) unless
// dkim.require_aligned = "all", which refuses it instead (and says
// nothing here). Loud, so that no tenant sends unsigned without the
// operator having been told.
func (c *Config) WarnUnsigned(log *slog.Logger) {
	if c.DKIM.RequireAlignedAll() {
		return
	}
	keys := KeyFiles(c.DKIM.Keys)
	for _, t := range c.Tenants {
		var bare []string
		for _, d := range t.SenderDomains {
			if len(dkim.AlignedKeyFiles(keys, d)) == 0 {
				bare = append(bare, d)
			}
		}
		if len(bare) > 0 {
			log.Warn(`tenant sender domains without a DKIM key: their mail leaves unsigned (dkim.require_aligned = "all" refuses it)`,
				"tenant", t.Name, "domains", bare)
		}
	}
}

// SubmissionTLS is the submission's STARTTLS configuration: tls_cert and
// tls_key, reloaded on SIGHUP and when their files change (added to w),
// or else the self-signed certificate made in data_dir/tls on first
// start.
func (c *Config) SubmissionTLS(w *certs.Watched) (*tls.Config, error) {
	s := c.Submission
	if s.TLSCert == "" {
		return submit.TLSFiles{Dir: filepath.Join(c.DataDir, "tls"), Host: c.Hostname}.Load()
	}
	return watchedCert(w, "submission", s.TLSCert, s.TLSKey)
}

// InboundTLS is the inbound MX's STARTTLS configuration: tls_cert and
// tls_key, watched as the submission's are, or else the submission's
// (sub).
func (c *Config) InboundTLS(w *certs.Watched, sub *tls.Config) (*tls.Config, error) {
	in := c.Inbound
	if in.TLSCert == "" {
		return sub, nil
	}
	return watchedCert(w, "inbound", in.TLSCert, in.TLSKey)
}

// watchedCert is section's certificate files, added to w.
func watchedCert(w *certs.Watched, section, certFile, keyFile string) (*tls.Config, error) {
	cm, err := w.LoadFiles(section, certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("config: %s.tls_cert: %w", section, err)
	}
	return cm.TLSConfig(), nil
}
