package main

import (
	"strings"
	"time"

	"sluice/mta/submit"
	"sluice/queue"
	"sluice/tracking"
	"sluice/tracking/rewrite"
	"sluice/tracking/token"
)

// tracker implements submit.Tracker with tracking/rewrite and signed
// tokens: click and open URLs on the edge's base URL, and for marketing
// mail List-Unsubscribe with an HTTPS one-click URL (RFC 8058) and, when
// the tenant has a bounce domain, a mailto (RFC 2369).
type tracker struct {
	kr           *token.Keyring
	base         string // the edge's public URL, no trailing slash
	bounceDomain string
	opens        bool
	clicks       bool
	text         bool
	now          func() time.Time
}

var _ submit.Tracker = (*tracker)(nil)

// Track rewrites msg for rcpt, the only recipient (index 0) of message id.
func (t *tracker) Track(tenant string, id queue.ID, rcpt string, stream queue.Stream, msg []byte) ([]byte, bool, error) {
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
			tok, err := t.kr.Seal(c)
			return t.base + "/c/" + tok, err
		},
		OpenURL: func() (string, error) {
			tok, err := t.kr.Seal(claims(token.Open))
			return t.base + "/o/" + tok + ".gif", err
		},
		// A hidden link only machines follow; the edge counts any click
		// on link tracking.HoneypotLink as a scanner's.
		HoneypotURL: func() (string, error) {
			c := claims(token.Click)
			c.Link, c.URL = tracking.HoneypotLink, t.base+"/"
			tok, err := t.kr.Seal(c)
			return t.base + "/c/" + tok, err
		},
	}
	if stream == queue.Marketing {
		c := claims(token.Unsubscribe)
		c.Addr = rcpt
		tok, err := t.kr.Seal(c)
		if err != nil {
			return nil, false, err
		}
		u := &rewrite.Unsubscribe{HTTPS: t.base + "/u/" + tok}
		if t.bounceDomain != "" {
			mtok, err := t.kr.SealMailbox(token.Claims{Kind: token.MailUnsubscribe, Message: uint64(id)})
			if err != nil {
				return nil, false, err
			}
			u.Mailto = "mailto:u." + mtok + "@" + t.bounceDomain
		}
		opts.Unsubscribe = u
	}
	out, res, err := rewrite.Message(msg, opts)
	if err != nil {
		return nil, false, err
	}
	return out, res.Unsubscribe || res.Pixel || res.Honeypot || len(res.Links) > 0, nil
}

// parseTrackMode reads a tenant's tracking setting.
func parseTrackMode(s string) (opens, clicks bool) {
	switch strings.ToLower(s) {
	case "all":
		return true, true
	case "opens":
		return true, false
	case "clicks":
		return false, true
	}
	return false, false
}
