package main

import (
	"fmt"

	"sluice/configs"
	"sluice/mta/submit"
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
		Limiter: n.limiter, DataMemory: sc.DataMemory, DataMemoryWait: sc.DataMemoryWait.Duration, MaxCopyBytes: sc.MaxCopyBytes,
	})
	if err != nil {
		return err
	}
	n.backend.SetDataLimits(sc.DataMemoryPerTenant, sc.DataTimeout.Duration)
	n.submission = n.backend.NewServer(p.tls, sc.ReadTimeout.Duration, sc.WriteTimeout.Duration)
	return nil
}
