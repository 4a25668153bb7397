package reputation

import (
	"fmt"
	"strings"
	"time"
)

// Thresholds are the rates at which the guard warns and pauses, as
// fractions (0.003 is 0.3 %); a zero threshold is off.
type Thresholds struct {
	// ComplaintWarn and ComplaintPause bound feedback-loop complaints per
	// message delivered to loop-covered receivers. Defaults 0.001 and
	// 0.003: Gmail's and Yahoo's bulk-sender guidance (stay under 0.1 %,
	// never reach 0.3 %).
	ComplaintWarn, ComplaintPause float64
	// HardBounceWarn and HardBouncePause bound hard_invalid_recipient
	// failures and returns per message finished. Defaults 0.02 and 0.05
	// (Amazon SES reviews an account at 5 %).
	HardBounceWarn, HardBouncePause float64
	// UnsubscribeWarn and UnsubscribePause bound unsubscribes per message
	// delivered. Defaults 0.01 and 0 (off: unsubscribing is the
	// recipients' right, not a receiver's judgement).
	UnsubscribeWarn, UnsubscribePause float64
	// BlockWarn and BlockPause bound policy and spam refusals
	// (policy_blocked, spam_blocked) per message finished. Defaults 0.05
	// and 0 (off: a blocklisting of a shared address is not the tenant's
	// doing alone).
	BlockWarn, BlockPause float64
	// MinVolume is the least denominator a rate is judged over, in
	// messages. Default 1000.
	MinVolume int
}

// DefaultThresholds are the thresholds of a tenant without overrides.
func DefaultThresholds() Thresholds {
	return Thresholds{
		ComplaintWarn: 0.001, ComplaintPause: 0.003,
		HardBounceWarn: 0.02, HardBouncePause: 0.05,
		UnsubscribeWarn: 0.01, BlockWarn: 0.05,
		MinVolume: 1000,
	}
}

// Config configures a Guard. Zero values take the defaults.
type Config struct {
	// Thresholds apply to every tenant without an entry in Tenants.
	// Default DefaultThresholds().
	Thresholds *Thresholds
	// Tenants are per-tenant thresholds (by tenant name, any case),
	// complete: the caller fills unset fields from the defaults.
	Tenants map[string]Thresholds
	// WindowMessages is the size of the count window, in messages.
	// Default 10000.
	WindowMessages int
	// WindowTime is the length of the time window. Default 24h; it is
	// kept in 24 buckets, so a count leaves it at most 1/24 late.
	WindowTime time.Duration
	// FBLDomains are the receivers that run a feedback loop: a
	// recipient domain equal to an entry, or under it ("yahoo.com" covers
	// "mail.yahoo.com"), or, for an entry "label.*", whose first label is
	// that label ("yahoo.*" covers "yahoo.co.uk", "yahoo.fr"); an entry
	// "site:NAME" covers every domain delivered through the shaping site
	// NAME (mta/shaping: the MX host set). Default DefaultFBLDomains.
	FBLDomains []string
	// MaxCampaigns bounds the campaigns tracked per tenant; the one idle
	// longest is forgotten first (its mail still counts for the tenant).
	// Default 200.
	MaxCampaigns int
	// SaveInterval is how often changed windows are saved. Default 30s.
	SaveInterval time.Duration
	// SyncInterval is how often, in fleet mode (Deps.Shared), the counts
	// are sent to the fleet and its sums read. Default 1s.
	SyncInterval time.Duration
	// QueueSize bounds the events waiting to be counted; beyond it they
	// are dropped and counted (Stats.Dropped). Default 65536.
	QueueSize int
}

// DefaultFBLDomains are the consumer mailbox providers known to send ARF
// feedback-loop reports (RFC 5965) to registered senders: Yahoo's
// Complaint Feedback Loop (Yahoo, AOL, and the ISPs whose mail Yahoo
// hosts: AT&T, Verizon, Frontier, Rogers), Microsoft's JMRP (Outlook.com
// consumer domains), Comcast, Fastmail, United Internet (GMX, WEB.DE,
// mail.com), Mail.ru, Yandex, Seznam, Italiaonline and Zoho. Gmail sends
// no per-message reports, so it is not here.
var DefaultFBLDomains = []string{
	// Yahoo CFL.
	"yahoo.*", "ymail.com", "rocketmail.com", "aol.*", "aim.com", "verizon.net",
	"att.net", "sbcglobal.net", "bellsouth.net", "pacbell.net", "flash.net", "swbell.net",
	"frontier.com", "frontiernet.net", "rogers.com",
	// Microsoft JMRP (Outlook.com consumer mailboxes).
	"hotmail.*", "outlook.*", "live.*", "msn.com", "passport.com",
	// Others.
	"comcast.net", "fastmail.com", "fastmail.fm", "gmx.*", "web.de", "mail.com",
	"mail.ru", "inbox.ru", "list.ru", "bk.ru", "yandex.*", "ya.ru", "seznam.cz",
	"libero.it", "virgilio.it", "zoho.com", "zohomail.com",
}

func (c *Config) setDefaults() {
	if c.Thresholds == nil {
		d := DefaultThresholds()
		c.Thresholds = &d
	}
	if c.WindowMessages <= 0 {
		c.WindowMessages = 10000
	}
	if c.WindowTime <= 0 {
		c.WindowTime = 24 * time.Hour
	}
	if c.FBLDomains == nil {
		c.FBLDomains = DefaultFBLDomains
	}
	if c.MaxCampaigns <= 0 {
		c.MaxCampaigns = 200
	}
	if c.SaveInterval <= 0 {
		c.SaveInterval = 30 * time.Second
	}
	if c.SyncInterval <= 0 {
		c.SyncInterval = time.Second
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 65536
	}
}

// Validate reports the first bad value, naming its field.
func (t Thresholds) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"complaint_warn", t.ComplaintWarn}, {"complaint_pause", t.ComplaintPause},
		{"hard_bounce_warn", t.HardBounceWarn}, {"hard_bounce_pause", t.HardBouncePause},
		{"unsubscribe_warn", t.UnsubscribeWarn}, {"unsubscribe_pause", t.UnsubscribePause},
		{"block_warn", t.BlockWarn}, {"block_pause", t.BlockPause},
	} {
		if f.v < 0 || f.v > 1 || f.v != f.v {
			return fmt.Errorf("%s: %v is not a fraction between 0 and 1 (0.003 is 0.3 %%)", f.name, f.v)
		}
	}
	if t.MinVolume < 1 {
		return fmt.Errorf("min_volume: %d, want at least 1", t.MinVolume)
	}
	return nil
}

// fblMatcher answers whether a recipient domain is covered by a feedback
// loop.
type fblMatcher struct {
	exact  map[string]bool // "yahoo.com"
	labels map[string]bool // "yahoo" of "yahoo.*"
	sites  map[string]bool // "yahoo" of "site:yahoo"
}

func newFBLMatcher(entries []string) fblMatcher {
	m := fblMatcher{exact: map[string]bool{}, labels: map[string]bool{}, sites: map[string]bool{}}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(e), "."))
		if site, ok := strings.CutPrefix(e, "site:"); ok {
			if site != "" {
				m.sites[site] = true
			}
		} else if l, ok := strings.CutSuffix(e, ".*"); ok && l != "" && !strings.Contains(l, ".") {
			m.labels[l] = true
		} else if e != "" {
			m.exact[e] = true
		}
	}
	return m
}

// covers reports whether domain (lower case), delivered through the
// shaping site site, is a loop's.
func (m fblMatcher) covers(domain, site string) bool {
	if site != "" && m.sites[strings.ToLower(site)] {
		return true
	}
	if domain == "" {
		return false
	}
	if first, _, ok := strings.Cut(domain, "."); ok && m.labels[first] {
		return true
	}
	for d := domain; ; {
		if m.exact[d] {
			return true
		}
		_, rest, ok := strings.Cut(d, ".")
		if !ok {
			return false
		}
		d = rest
	}
}
