package main

import (
	"fmt"
	"io"
	"log/slog"

	"sluice/configs"
	"sluice/dkim"
	"sluice/metrics"
	"sluice/mta/submit"
	"sluice/tracking"
	"sluice/tracking/token"
)

// buildSubmission makes the submission backend and its SMTP server.
func (n *node) buildSubmission(p *parts) error {
	sc := n.cfg.Submission
	throttle, err := p.guards.NewThrottle(sc.AuthThrottle(), n.log)
	if err != nil {
		return fmt.Errorf("submission auth throttle: %w", err)
	}
	if n.limiter, err = submit.NewLocalLimiter(n.cfg.LimiterConfig(n.log)); err != nil {
		return err
	}
	n.backend, err = submit.New(submit.Config{
		Hostname: n.cfg.Hostname, Tenants: p.tenants, MaxMessageBytes: sc.MaxMessageBytes,
		MaxRecipients: sc.MaxRecipients, MaxSessions: sc.MaxSessions,
		AllowPlaintextAuthOnLoopback: sc.AllowPlaintextAuthOnLoopback,
		TrustedNetworks:              configs.Prefixes(sc.TrustedNetworks), TrustedTenant: sc.TrustedTenant,
		Spool: n.store, Suppressions: n.store, Logger: n.log, Metrics: n.metrics.SubmitHooks(),
		Throttle: throttle, MaxLineLength: sc.MaxLineLength, MaxSessionsPerTenant: sc.MaxSessionsPerTenant,
		Limiter: n.limiter,
	})
	if err != nil {
		return err
	}
	n.submission = n.backend.NewServer(p.tls, sc.ReadTimeout.Duration, sc.WriteTimeout.Duration)
	return nil
}

// buildTenants is the [[tenant]] tables, or else the development tenant
// (its password printed once to out).
func buildTenants(cfg *configs.Config, out io.Writer) ([]*submit.Tenant, error) {
	if ts := cfg.SubmitTenants(); ts != nil {
		return ts, nil
	}
	t, err := submit.LoadOrCreateDevTenant(cfg.DataDir, out)
	if err != nil {
		return nil, fmt.Errorf("development tenant: %w", err)
	}
	return []*submit.Tenant{t}, nil
}

// attachTrackers gives each configured tenant its link tracker.
func attachTrackers(cfg *configs.Config, tenants []*submit.Tenant, kr *token.Keyring, log *slog.Logger) {
	if cfg.Tracking.BaseURL == "" {
		log.Warn("tracking.base_url is not set: no tracking links and no List-Unsubscribe headers")
		return
	}
	for i := range cfg.Tenants { // the development tenant has no tracking settings
		tenants[i].Tracker = tracking.NewTracker(cfg.TenantTracker(i, kr))
	}
}

// attachSigners gives each tenant the signer of its sender domains and
// the ESP keys (dkim.LoadSigners: every key loaded once, a bad or missing
// key stops start-up naming the domain and file). cgoRSA reports whether
// an RSA key signs through OpenSSL (see tuneProcs).
func attachSigners(cfg *configs.Config, tenants []*submit.Tenant, log *slog.Logger) (cgoRSA bool, err error) {
	if len(cfg.DKIM.Keys) == 0 && len(cfg.DKIM.ESPKeys) == 0 {
		return false, nil
	}
	s, err := dkim.LoadSigners(cfg.DKIM.Signers(log))
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

// timeSigners puts each tenant's signer behind the metrics' timer
// (sluice_dkim_sign_seconds): one time.Now pair per message signed.
func timeSigners(tenants []*submit.Tenant, m *metrics.Set) {
	for _, t := range tenants {
		if t.Signer != nil {
			t.Signer = m.TimeSigner(t.Signer)
		}
	}
}

// warnUnsigned says at start-up which configured tenants' sender domains
// have no DKIM key of their own (nor a parent's: dkim.AlignedKeyFiles):
// their mail leaves unsigned (counted in
// sluice_dkim_unsigned_messages_total) unless dkim.require_aligned =
// "all", which refuses it instead. Loud, so that no tenant sends unsigned
// without the operator having been told.
func warnUnsigned(cfg *configs.Config, log *slog.Logger) {
	if cfg.DKIM.RequireAlignedAll() {
		return
	}
	keys := configs.KeyFiles(cfg.DKIM.Keys)
	for _, t := range cfg.Tenants {
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
