package main

import (
	"log/slog"
	"strings"

	"sluice/configs"
)

// warnUnsigned says at start-up which configured tenants' sender domains
// have no DKIM key of their own (nor a parent's): their mail leaves
// unsigned (counted in sluice_dkim_unsigned_messages_total) unless
// dkim.require_aligned = "all", which refuses it instead. Loud, so that no
// tenant sends unsigned without the operator having been told.
func warnUnsigned(cfg *configs.Config, log *slog.Logger) {
	if cfg.DKIM.RequireAligned == "all" {
		return
	}
	for _, t := range cfg.Tenants {
		var bare []string
		for _, d := range t.SenderDomains {
			if !keyCovers(cfg.DKIM.Keys, d) {
				bare = append(bare, d)
			}
		}
		if len(bare) > 0 {
			log.Warn(`tenant sender domains without a DKIM key: their mail leaves unsigned (dkim.require_aligned = "all" refuses it)`,
				"tenant", t.Name, "domains", bare)
		}
	}
}

// keyCovers reports whether a key of keys signs for domain d (aligned:
// d itself or a parent of it).
func keyCovers(keys []configs.DKIMKey, d string) bool {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	for _, k := range keys {
		kd := strings.ToLower(strings.TrimSuffix(k.Domain, "."))
		if d == kd || strings.HasSuffix(d, "."+kd) {
			return true
		}
	}
	return false
}
