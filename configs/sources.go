package configs

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"sluice/mta/shaping"
)

// This file holds what [[source]]'s warm-up keys and
// delivery.blocklist_retry mean to mta/shaping (see components.go on why
// configs may import it), and their checks.

// warmupDate is the layout of [[source]] warmup_start.
const warmupDate = "2006-01-02"

// validateWarmup checks one [[source]]'s warm-up keys: a date that
// parses, allowances that are not negative, per-site curves that are not
// empty and name a shaping rule (a misspelt one would never apply).
func (c *Config) validateWarmup(key string, src Source) error {
	if !src.Warmup {
		if src.WarmupStart != "" || len(src.WarmupCurve) > 0 || len(src.WarmupSites) > 0 {
			return keyError(key+".warmup", "warmup_start, warmup_curve and warmup_sites need warmup = true")
		}
		return nil
	}
	if src.WarmupStart != "" {
		if _, err := time.Parse(warmupDate, src.WarmupStart); err != nil {
			return keyError(key+".warmup_start", "%q is not a date (YYYY-MM-DD)", src.WarmupStart)
		}
	}
	if err := checkAllowances(src.WarmupCurve); err != nil {
		return keyError(key+".warmup_curve", "%v", err)
	}
	rules := map[string]bool{shaping.DefaultRuleName: true}
	if rs, err := c.ShapingRules().Rules(); err == nil { // a bad rule is shaping's error
		for _, r := range rs {
			rules[r.Name] = true
		}
	}
	for _, site := range slices.Sorted(maps.Keys(src.WarmupSites)) {
		skey := fmt.Sprintf("%s.warmup_sites.%s", key, site)
		if !rules[site] {
			return keyError(skey, "no shaping rule named %q (the sites are shaping rules: built-in ones, [[shaping.rule]] or default)", site)
		}
		curve := src.WarmupSites[site]
		if len(curve) == 0 {
			return keyError(skey, "must list at least one day's allowance")
		}
		if err := checkAllowances(curve); err != nil {
			return keyError(skey, "%v", err)
		}
	}
	return nil
}

// checkAllowances refuses a negative daily allowance.
func checkAllowances(curve []int) error {
	for i, n := range curve {
		if n < 0 {
			return fmt.Errorf("day %d: %d is negative", i+1, n)
		}
	}
	return nil
}

// validateBlocklist checks delivery.blocklist_retry.
func (d Delivery) validateBlocklist() error {
	for i, r := range d.BlocklistRetry {
		if v, err := time.ParseDuration(r); err != nil || v <= 0 {
			return keyError(fmt.Sprintf("delivery.blocklist_retry[%d]", i), "%q is not a positive duration (want e.g. \"1h\")", r)
		}
	}
	return nil
}

// BlocklistRetries is delivery.blocklist_retry (validated), nil for the
// default (mta/shaping.DefaultBlockRetry).
func (d Delivery) BlocklistRetries() []time.Duration {
	var out []time.Duration
	for _, r := range d.BlocklistRetry {
		v, _ := time.ParseDuration(r)
		out = append(out, v)
	}
	return out
}

// WarmupSources are the [[source]]s with warmup = true as mta/shaping
// takes them; none when no source warms up.
func (c *Config) WarmupSources() []shaping.WarmupSource {
	var out []shaping.WarmupSource
	for _, src := range c.Sources {
		if !src.Warmup {
			continue
		}
		ws := shaping.WarmupSource{Name: src.Name, Curve: src.WarmupCurve, Sites: src.WarmupSites}
		if src.WarmupStart != "" {
			ws.Start, _ = time.Parse(warmupDate, src.WarmupStart) // validated
		}
		if len(ws.Curve) == 0 {
			ws.Curve = nil // the shipped curve
		}
		out = append(out, ws)
	}
	return out
}
