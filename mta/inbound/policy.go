// Package inbound handles what comes back after delivery: the inbound MX
// that receives asynchronous bounces (RFC 3464 DSNs and the non-standard
// kinds), feedback-loop complaints (RFC 5965 ARF) and mailto unsubscribes
// (RFC 2369 List-Unsubscribe), its durable inbox and the worker that
// classifies (mta/bounce), attributes and suppresses; and the suppression
// policy, which SyncReturns also applies to synchronous delivery failures
// (a 5xx in the SMTP dialogue), so "what happens on a 5xx" has one answer.
//
// Trust boundary: the MX is open to strangers, so a return changes a
// recipient's state (suppression, soft-failure count) only with proof a
// stranger cannot produce for someone else: the VERP token of the envelope
// or of the returned headers, a tracking or mailto token (HMAC-signed, per
// recipient) found in the returned copy through its transfer encodings, or,
// for complaints, an RFC 6376 DKIM signature of a configured feedback-loop
// provider (FBLAuth) on a report whose Source-IP is one of our sending
// addresses, which vouches for the returned copy's message id and the
// address it names. Tracking URL and mailto tokens prove complaints only,
// never a bounce: only VERP tokens travel with a bounce. Our message id alone is guessable and seen by every co-recipient:
// such returns are reported (Via ViaMessageIDUnverified), never applied.
package inbound

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sluice/mta/bounce"
	"sluice/queue"
)

// Suppressor is where suppressions go (queue.Store).
type Suppressor interface {
	Suppress(ctx context.Context, s queue.Suppression) error
	RecordSoftFailure(ctx context.Context, tenant, addr, reason, detail string, threshold int, window time.Duration) (bool, error)
}

// Policy decides what a classified failure does to the recipient, in one
// place for synchronous replies (SyncReturns) and returned messages
// (Worker):
//   - hard_invalid_recipient and complaint suppress the address for every
//     stream at once (a complaint proven by a link token alone: marketing
//     only, see ApplyLinkProven);
//   - soft_mailbox_full and soft_temporary suppress after SoftThreshold
//     final failures within SoftWindow (each bounced or expired message, or
//     returned DSN, counts once; deferrals on the way do not);
//   - policy_blocked, spam_blocked and rate_limited never suppress: they are
//     about the sender, not the recipient (they feed shaping instead);
//   - auto_reply and other do nothing.
type Policy struct {
	Store         Suppressor
	SoftThreshold int           // 0 disables soft suppression
	SoftWindow    time.Duration // how far back soft failures count
}

// ApplyLinkProven acts on a complaint whose only proof is a link token of
// the recipient's copy (a click, open or unsubscribe-page URL, or the
// mailto unsubscribe address), in a report no configured feedback-loop
// provider signed: it unsubscribes the recipient from marketing mail
// (reason "complaint"), and does nothing else.
//
// Proof must weigh what it unlocks. Those tokens travel with every copy
// of the message: forwards, "view online" shares, pasted links, link
// scanners. Whoever holds one could already unsubscribe the recipient
// from marketing with the one-click link of the same copy, so a report
// carrying one may do that much and no more. A suppression for every
// stream (password resets, receipts: scope all) needs proof that only
// the recipient's receiver holds: the VERP token of the envelope (or of
// the copy's Return-Path, which is the same token: whoever holds it can
// address the envelope with it), or a report a configured provider
// signed (ViaFBLProvider). A genuine complaint proven by links alone
// (an unsigned FBL that redacts the recipient and the Return-Path)
// still stops the marketing it is about, and still counts as one
// complaint in the reputation windows.
func (p *Policy) ApplyLinkProven(ctx context.Context, tenant, addr string, res bounce.Result, source string) (bool, error) {
	if res.Class != bounce.Complaint || res.Reason == bounce.ReasonOptOut {
		return p.Apply(ctx, tenant, addr, res, source) // unsubscribes are marketing scope anyway
	}
	if tenant == "" || addr == "" || !res.Decisive {
		return false, nil
	}
	err := p.Store.Suppress(ctx, queue.Suppression{Tenant: tenant, Addr: addr, Scope: queue.ScopeMarketing,
		Reason: string(bounce.Complaint), Source: source, Detail: "feedback-type " + res.FeedbackType + " (proven by a link token only)"})
	if err != nil {
		return false, fmt.Errorf("inbound: complaint (marketing): %w", err)
	}
	return true, nil
}

// Apply acts on one classified failure of tenant's mail to addr and
// reports whether the address is now suppressed.
func (p *Policy) Apply(ctx context.Context, tenant, addr string, res bounce.Result, source string) (bool, error) {
	if tenant == "" || addr == "" {
		return false, nil
	}
	detail := res.Diagnostic
	if res.FeedbackType != "" {
		detail = "feedback-type " + res.FeedbackType
	}
	if res.Reason == bounce.Reason("opt_out") {
		// An unsubscribe (ARF opt-out, Apple's unsubscribe mail): the
		// marketing stream only, like a one-click unsubscribe.
		err := p.Store.Suppress(ctx, queue.Suppression{Tenant: tenant, Addr: addr, Scope: queue.ScopeMarketing,
			Reason: "unsubscribe", Source: source, Detail: detail})
		if err != nil {
			return false, fmt.Errorf("inbound: unsubscribe: %w", err)
		}
		return true, nil
	}
	switch res.Class {
	case bounce.HardInvalidRecipient, bounce.Complaint:
		// Suppression for every stream needs a decisive verdict: a rule
		// that read the text, not a fallback from the status code alone
		// (mta/bounce's precedence).
		if !res.Decisive {
			return false, nil
		}
		err := p.Store.Suppress(ctx, queue.Suppression{Tenant: tenant, Addr: addr, Scope: queue.ScopeAll,
			Reason: string(res.Class), Source: source, Detail: detail})
		if err != nil {
			return false, fmt.Errorf("inbound: suppress: %w", err)
		}
		return true, nil
	case bounce.SoftMailboxFull, bounce.SoftTemporary:
		if strings.HasPrefix(res.Rule, bounce.RuleTLSSendingSide) {
			// TLS the sending side could not have or verify (a policy
			// of ours or the receiver's MTA-STS/DANE): the route
			// failed, not the mailbox, and a fault on our side (a
			// broken CA bundle) would otherwise suppress every
			// recipient it held back (review8).
			return false, nil
		}
		ok, err := p.Store.RecordSoftFailure(ctx, tenant, addr, string(res.Class), res.Diagnostic, p.SoftThreshold, p.SoftWindow)
		if err != nil {
			return false, fmt.Errorf("inbound: soft failure: %w", err)
		}
		return ok, nil
	}
	return false, nil
}
