package main

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"sluice/configs"
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
	if n.limiter, err = tenantLimiter(n.cfg, n.log); err != nil {
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

func buildTenants(cfg *configs.Config, out io.Writer) ([]*submit.Tenant, error) {
	if len(cfg.Tenants) == 0 {
		t, err := submit.LoadOrCreateDevTenant(cfg.DataDir, out)
		if err != nil {
			return nil, fmt.Errorf("development tenant: %w", err)
		}
		return []*submit.Tenant{t}, nil
	}
	ts := make([]*submit.Tenant, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		prio, _ := t.PriorityValue() // validated by configs
		ts[i] = &submit.Tenant{Name: t.Name, Username: t.Username, PasswordHash: t.PasswordHash,
			SenderDomains: t.SenderDomains, FromAllow: t.FromAllow, MaxSessions: t.MaxSessions,
			MaxMessageBytes: t.MaxMessageBytes, MaxRecipients: t.MaxRecipients,
			Pools: t.Pools, Priority: prio}
	}
	return ts, nil
}

// attachTrackers gives each configured tenant its link tracker.
func attachTrackers(cfg *configs.Config, tenants []*submit.Tenant, kr *token.Keyring, log *slog.Logger) {
	if cfg.Tracking.BaseURL == "" {
		log.Warn("tracking.base_url is not set: no tracking links and no List-Unsubscribe headers")
		return
	}
	for i, ct := range cfg.Tenants { // the development tenant has no tracking settings
		tenants[i].Tracker = tracking.NewTracker(tracking.TrackerConfig{Keyring: kr, BaseURL: cfg.Tracking.BaseURL,
			BounceDomain: ct.BounceDomain, Mode: ct.Tracking, TrackText: ct.TrackText})
	}
}

// tenantLimiter builds the node's per-tenant rate and daily quota from the
// tenants' rate_limit, rate_burst and daily_quota; the day's counts are
// kept in data_dir/tenant-limits.json across restarts.
func tenantLimiter(cfg *configs.Config, log *slog.Logger) (*submit.LocalLimiter, error) {
	limits := map[string]submit.Limit{}
	for _, t := range cfg.Tenants {
		if t.RateLimit > 0 || t.DailyQuota > 0 {
			limits[t.Name] = submit.Limit{Rate: t.RateLimit, Burst: t.RateBurst, Daily: t.DailyQuota}
		}
	}
	return submit.NewLocalLimiter(submit.LocalLimiterConfig{
		Limits: limits, StatePath: filepath.Join(cfg.DataDir, "tenant-limits.json"), Logger: log,
	})
}
