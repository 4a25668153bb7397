package tracking

import (
	"strings"
	"time"

	"sluice/internal/clock"
	"sluice/queue"
	"sluice/tracking/rewrite"
	"sluice/tracking/token"
)

// Tracking modes, for TrackerConfig.Mode: what a tenant tracks by default
// (an X-Sluice-Track field in a message replaces it).
const (
	ModeAll    = "all"    // opens and clicks
	ModeOpens  = "opens"  // the open pixel only
	ModeClicks = "clicks" // click links only
	ModeNone   = "none"   // neither (List-Unsubscribe is still added)
)

// TrackerConfig configures a Tracker.
type TrackerConfig struct {
	// Keyring signs the tokens; the edge verifying them needs the same
	// secret. Required: without it Track fails.
	Keyring *token.Keyring
	// BaseURL is the edge's public URL ("https://t.example.com"); a
	// trailing slash is ignored.
	BaseURL string
	// BounceDomain, when set, adds mailto:u.<token>@BounceDomain to
	// List-Unsubscribe (RFC 2369): the inbound MX takes those.
	BounceDomain string
	// Mode is the tenant's default: ModeAll, ModeOpens, ModeClicks or
	// ModeNone (any other value, case-insensitive, is ModeNone).
	Mode string
	// TrackText also rewrites bare URLs in text/plain parts when clicks
	// are tracked. Default false.
	TrackText bool
	// Now stamps the tokens' issue time. Default clock.Now.
	Now func() time.Time
}

// Tracker rewrites a message for one recipient with signed tokens (package
// token) through package rewrite: click and open URLs on the edge's base
// URL and, for marketing mail, List-Unsubscribe with a one-click HTTPS URL
// (RFC 8058) and, with a bounce domain, a mailto URI (RFC 2369), plus
// List-Unsubscribe-Post. The URLs use the very paths the Edge serves
// (prefixOpen, prefixClk, prefixUns): the scheme is defined once, here.
//
// Its Track method is mta/submit's Tracker interface (satisfied
// structurally: tracking does not import mta). It is safe for concurrent
// use.
type Tracker struct {
	kr           *token.Keyring
	base         string
	bounceDomain string
	opens        bool
	clicks       bool
	text         bool
	now          func() time.Time
}

// NewTracker builds a Tracker.
func NewTracker(cfg TrackerConfig) *Tracker {
	t := &Tracker{
		kr:           cfg.Keyring,
		base:         strings.TrimSuffix(cfg.BaseURL, "/"),
		bounceDomain: cfg.BounceDomain,
		text:         cfg.TrackText,
		now:          cfg.Now,
	}
	t.opens, t.clicks = parseMode(cfg.Mode)
	if t.now == nil {
		t.now = clock.Now
	}
	return t
}

// parseMode reads a tenant's tracking mode.
func parseMode(s string) (opens, clicks bool) {
	switch strings.ToLower(s) {
	case ModeAll:
		return true, true
	case ModeOpens:
		return true, false
	case ModeClicks:
		return false, true
	}
	return false, false
}

// Track rewrites msg for rcpt, the only recipient (index 0) of message id,
// and reports whether it changed anything.
func (t *Tracker) Track(tenant string, id queue.ID, rcpt string, stream queue.Stream, msg []byte) ([]byte, bool, error) {
	issued := t.now()
	claims := func(kind token.Kind) token.Claims {
		return token.Claims{Kind: kind, Tenant: tenant, Message: uint64(id), Stream: uint8(stream), Issued: issued}
	}
	// The callbacks are always set: X-Sluice-Track in the message may
	// switch on what the tenant's defaults leave off.
	opts := rewrite.Options{
		TrackOpens: t.opens, TrackClicks: t.clicks, TrackText: t.text,
		ClickURL: func(link int, original string) (string, error) {
			c := claims(token.Click)
			c.Link, c.URL = uint16(link), original
			return t.url(prefixClk, c, "")
		},
		OpenURL: func() (string, error) {
			return t.url(prefixOpen, claims(token.Open), suffixGIF)
		},
		// A hidden link only machines follow; the edge counts any click
		// on HoneypotLink as a scanner's.
		HoneypotURL: func() (string, error) {
			c := claims(token.Click)
			c.Link, c.URL = HoneypotLink, t.base+"/"
			return t.url(prefixClk, c, "")
		},
	}
	if stream == queue.Marketing {
		u, err := t.unsubscribe(claims(token.Unsubscribe), id, rcpt)
		if err != nil {
			return nil, false, err
		}
		opts.Unsubscribe = u
	}
	out, res, err := rewrite.Message(msg, opts)
	if err != nil {
		return nil, false, err
	}
	return out, res.Unsubscribe || res.Pixel || res.Honeypot || len(res.Links) > 0, nil
}

// url seals c into the edge URL base + prefix + token + suffix.
func (t *Tracker) url(prefix string, c token.Claims, suffix string) (string, error) {
	tok, err := t.kr.Seal(c)
	if err != nil {
		return "", err
	}
	return t.base + prefix + tok + suffix, nil
}

// unsubscribe makes the List-Unsubscribe URIs: the one-click URL, whose
// token carries the address encrypted, and with a bounce domain the mailto
// address, whose mailbox token names only the message (the inbound MX
// looks the recipient up in the spool's directory).
func (t *Tracker) unsubscribe(c token.Claims, id queue.ID, rcpt string) (*rewrite.Unsubscribe, error) {
	c.Addr = rcpt
	https, err := t.url(prefixUns, c, "")
	if err != nil {
		return nil, err
	}
	u := &rewrite.Unsubscribe{HTTPS: https}
	if t.bounceDomain != "" {
		mtok, err := t.kr.SealMailbox(token.Claims{Kind: token.MailUnsubscribe, Message: uint64(id)})
		if err != nil {
			return nil, err
		}
		u.Mailto = "mailto:u." + mtok + "@" + t.bounceDomain
	}
	return u, nil
}
