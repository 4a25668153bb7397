package inbound

import (
	"sluice/queue"
	"sluice/tracking/token"
)

// KeyringTokens makes and opens, with one token keyring, the tokens that
// prove which recipient a return is about: the VERP envelope sender
// b.<token>@<bounce domain> that delivery writes (ReturnPath), the mailto
// unsubscribe local part u.<token> that the tracker writes, and the
// URL-form tracking tokens found in returned copies. It implements Tokens
// and TrackingTokens.
type KeyringTokens struct {
	Keyring *token.Keyring
}

var (
	_ Tokens         = KeyringTokens{}
	_ TrackingTokens = KeyringTokens{}
)

// openMailbox opens a mailbox-form token of the given kind.
func (k KeyringTokens) openMailbox(s string, kind token.Kind) (queue.ID, uint32, bool) {
	c, err := k.Keyring.OpenMailbox(s)
	if err != nil || c.Kind != kind {
		return 0, 0, false
	}
	return queue.ID(c.Message), c.Rcpt, true
}

// OpenBounce opens the token of a VERP local part (after "b.").
func (k KeyringTokens) OpenBounce(s string) (queue.ID, uint32, bool) {
	return k.openMailbox(s, token.Bounce)
}

// OpenUnsubscribe opens the token of a mailto unsubscribe local part
// (after "u.").
func (k KeyringTokens) OpenUnsubscribe(s string) (queue.ID, uint32, bool) {
	return k.openMailbox(s, token.MailUnsubscribe)
}

// OpenTracking opens a URL-form token found in a returned copy (open
// pixel, click, unsubscribe page): proof of which recipient's copy it is.
// No age limit: complaints arrive late.
func (k KeyringTokens) OpenTracking(s string) (string, queue.ID, uint32, bool) {
	c, err := k.Keyring.Open(s)
	if err != nil || (c.Kind != token.Open && c.Kind != token.Click && c.Kind != token.Unsubscribe) {
		return "", 0, 0, false
	}
	return c.Tenant, queue.ID(c.Message), c.Rcpt, true
}

// ReturnPath returns delivery's envelope-sender hook: the VERP address
// b.<token>@<bounce domain> for the tenants that have a bounce domain in
// domains (tenant name to domain), "" (keep the submitted sender) for the
// others. The token names message and recipient, so a DSN to it is
// attributed without parsing (RFC 3464 reports are often incomplete).
func (k KeyringTokens) ReturnPath(domains map[string]string) func(w *queue.Work, r queue.WorkRcpt) string {
	return func(w *queue.Work, r queue.WorkRcpt) string {
		dom := domains[w.Tenant]
		if dom == "" {
			return ""
		}
		tok, err := k.Keyring.SealMailbox(token.Claims{Kind: token.Bounce, Message: uint64(w.ID), Rcpt: r.Index})
		if err != nil {
			return "" // cannot happen for valid ids; keep the submitted sender
		}
		return "b." + tok + "@" + dom
	}
}
