package main

import (
	"log/slog"
	"path/filepath"

	"sluice/configs"
	"sluice/mta/bounce"
	"sluice/mta/submit"
	"sluice/tracking/events"
)

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

// classifyReply gives deferred and failed events the classifier's verdict
// on the receiver's reply.
func classifyReply(c *bounce.Classifier) events.Classify {
	return func(site string, code int, enhanced, reply string) (string, string) {
		r := c.ReplyFrom(site, code, enhanced, reply)
		return string(r.Class), r.Reason
	}
}
