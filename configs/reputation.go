package configs

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Reputation configures the reputation guard (package sluice/reputation):
// per tenant, and per campaign, rolling windows of what receivers said
// about the tenant's mail; a rate over its pause threshold pauses the
// tenant's marketing stream (a durable spool hold; transactional mail
// keeps flowing) until `sluice ctl tenant resume`. Rates are fractions
// (0.003 is 0.3 %); a zero threshold is off. A tenant's
// [tenant.reputation] overrides the thresholds and min_volume.
type Reputation struct {
	// Enabled turns the guard on. Default true.
	Enabled bool `toml:"enabled"`
	// WindowMessages is the size of the count window, in messages.
	// Default 10000.
	WindowMessages int `toml:"window_messages"`
	// WindowTime is the length of the time window (kept in 24 buckets).
	// Default "24h".
	WindowTime Duration `toml:"window_time"`
	// SaveInterval is how often changed windows are saved in events.db.
	// Default "30s".
	SaveInterval Duration `toml:"save_interval"`
	// MaxCampaigns bounds the campaigns tracked per tenant. Default 200.
	MaxCampaigns int `toml:"max_campaigns"`
	// FBLDomains are the receivers that send feedback-loop (ARF)
	// complaints: the complaint rate is complaints per message delivered
	// to them. Entries: "yahoo.com" (and subdomains), "yahoo.*" (any
	// domain whose first label is yahoo), "site:NAME" (a shaping site).
	// Default: the built-in list (reputation.DefaultFBLDomains: Yahoo,
	// AOL, Outlook.com, Comcast, GMX, Mail.ru…; Gmail sends no reports).
	FBLDomains []string `toml:"fbl_domains"`
	// The thresholds every tenant without its own has.
	Thresholds
}

// Thresholds are the reputation guard's rates and the least volume they
// are judged over.
type Thresholds struct {
	// ComplaintWarn and ComplaintPause bound complaints per message
	// delivered to fbl_domains. Defaults 0.001 and 0.003.
	ComplaintWarn  float64 `toml:"complaint_warn"`
	ComplaintPause float64 `toml:"complaint_pause"`
	// HardBounceWarn and HardBouncePause bound dead addresses
	// (hard_invalid_recipient) per message finished. Defaults 0.02, 0.05.
	HardBounceWarn  float64 `toml:"hard_bounce_warn"`
	HardBouncePause float64 `toml:"hard_bounce_pause"`
	// UnsubscribeWarn and UnsubscribePause bound unsubscribes per message
	// delivered. Defaults 0.01 and 0 (off).
	UnsubscribeWarn  float64 `toml:"unsubscribe_warn"`
	UnsubscribePause float64 `toml:"unsubscribe_pause"`
	// BlockWarn and BlockPause bound policy and spam refusals per message
	// finished. Defaults 0.05 and 0 (off).
	BlockWarn  float64 `toml:"block_warn"`
	BlockPause float64 `toml:"block_pause"`
	// MinVolume is the least denominator a rate is judged over, in
	// messages. Default 1000.
	MinVolume int `toml:"min_volume"`
}

// TenantReputation is a tenant's [tenant.reputation]: each key set
// overrides [reputation]'s, the others are the section's.
type TenantReputation struct {
	ComplaintWarn    *float64 `toml:"complaint_warn"`
	ComplaintPause   *float64 `toml:"complaint_pause"`
	HardBounceWarn   *float64 `toml:"hard_bounce_warn"`
	HardBouncePause  *float64 `toml:"hard_bounce_pause"`
	UnsubscribeWarn  *float64 `toml:"unsubscribe_warn"`
	UnsubscribePause *float64 `toml:"unsubscribe_pause"`
	BlockWarn        *float64 `toml:"block_warn"`
	BlockPause       *float64 `toml:"block_pause"`
	MinVolume        *int     `toml:"min_volume"`
}

// Set reports whether any key is set.
func (r TenantReputation) Set() bool { return r != TenantReputation{} }

// Over returns base with r's keys applied.
func (r TenantReputation) Over(base Thresholds) Thresholds {
	for _, f := range []struct {
		v   *float64
		dst *float64
	}{
		{r.ComplaintWarn, &base.ComplaintWarn}, {r.ComplaintPause, &base.ComplaintPause},
		{r.HardBounceWarn, &base.HardBounceWarn}, {r.HardBouncePause, &base.HardBouncePause},
		{r.UnsubscribeWarn, &base.UnsubscribeWarn}, {r.UnsubscribePause, &base.UnsubscribePause},
		{r.BlockWarn, &base.BlockWarn}, {r.BlockPause, &base.BlockPause},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if r.MinVolume != nil {
		base.MinVolume = *r.MinVolume
	}
	return base
}

// defaultReputation is the [reputation] section of Default().
func defaultReputation() Reputation {
	return Reputation{
		Enabled: true, WindowMessages: 10000, WindowTime: Duration{24 * time.Hour},
		SaveInterval: Duration{30 * time.Second}, MaxCampaigns: 200,
		Thresholds: Thresholds{
			ComplaintWarn: 0.001, ComplaintPause: 0.003,
			HardBounceWarn: 0.02, HardBouncePause: 0.05,
			UnsubscribeWarn: 0.01, BlockWarn: 0.05,
			MinVolume: 1000,
		},
	}
}

// fill normalises an empty fbl_domains to the built-in list.
func (r *Reputation) fill() {
	if len(r.FBLDomains) == 0 {
		r.FBLDomains = nil
	}
}

// validateReputation checks [reputation] and every [tenant.reputation]
// as it applies (the tenant's keys over the section's).
func (c *Config) validateReputation() error {
	r := c.Reputation
	switch {
	case r.WindowMessages < 20:
		return keyError("reputation.window_messages", "%d: want at least 20 messages", r.WindowMessages)
	case r.WindowTime.Duration < time.Hour:
		return keyError("reputation.window_time", "%v: want at least 1h", r.WindowTime.Duration)
	case r.SaveInterval.Duration < time.Second:
		return keyError("reputation.save_interval", "%v: want at least 1s", r.SaveInterval.Duration)
	case r.MaxCampaigns < 1:
		return keyError("reputation.max_campaigns", "%d: want at least 1", r.MaxCampaigns)
	}
	for i, d := range r.FBLDomains {
		if d == "" || strings.ContainsAny(d, "@ ") {
			return keyError(fmt.Sprintf("reputation.fbl_domains[%d]", i), "%q is not a domain, \"label.*\" or \"site:NAME\"", d)
		}
	}
	if err := r.Thresholds.validate("reputation"); err != nil {
		return err
	}
	for i, t := range c.Tenants {
		if err := t.Reputation.Over(r.Thresholds).validate(fmt.Sprintf("tenant[%d].reputation", i)); err != nil {
			return err
		}
	}
	return nil
}

// validate checks thresholds; key names their table.
func (t Thresholds) validate(key string) error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"complaint_warn", t.ComplaintWarn}, {"complaint_pause", t.ComplaintPause},
		{"hard_bounce_warn", t.HardBounceWarn}, {"hard_bounce_pause", t.HardBouncePause},
		{"unsubscribe_warn", t.UnsubscribeWarn}, {"unsubscribe_pause", t.UnsubscribePause},
		{"block_warn", t.BlockWarn}, {"block_pause", t.BlockPause},
	} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1 {
			return keyError(key+"."+f.name, "%v: want a fraction between 0 and 1 (0.003 is 0.3 %%; 0 is off)", f.v)
		}
	}
	if t.MinVolume < 1 {
		return keyError(key+".min_volume", "%d: want at least 1 message", t.MinVolume)
	}
	return nil
}
