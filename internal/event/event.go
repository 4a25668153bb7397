// Package event names what happens to a recipient of a message: the one
// list of event kinds that the delivery engine (mta/delivery), the events
// store and its webhooks (tracking/events, tracking/webhook), the config's
// webhook filters (configs) and the metrics' label values all spell the
// same way.
//
// It imports nothing, so every layer may use it: mta/delivery and
// tracking/events both import it without either importing the other, and
// configs without pulling in any store.
package event

import "strings"

// Kind names what happened. Its values are stable: they are stored in the
// events file, sent in webhook payloads, written in tenants' configs and
// used as metric label values.
type Kind string

// The kinds.
const (
	// Sent is a recipient accepted at submission.
	Sent Kind = "sent"
	// Delivered is a recipient accepted by the receiving MX.
	Delivered Kind = "delivered"
	// Deferred is a temporary delivery failure: a retry is booked.
	Deferred Kind = "deferred"
	// Failed is a permanent delivery failure or an expiry.
	Failed Kind = "failed"
	// Suppressed is a recipient dropped by the pre-send suppression check.
	// It is a delivery outcome only: the events store records it as Failed
	// with reason "suppressed", so it is not in [Stored].
	Suppressed Kind = "suppressed"
	// Deleted is a recipient removed from the queue by an operator.
	Deleted Kind = "deleted"
	// Bounce is an asynchronous bounce (DSN) received after delivery.
	Bounce Kind = "bounce"
	// Complaint is an abuse report (ARF feedback loop).
	Complaint Kind = "complaint"
	// Open is a fetch of the open pixel.
	Open Kind = "open"
	// Click is a followed tracked link.
	Click Kind = "click"
	// Unsubscribe is a one-click or confirmed unsubscribe.
	Unsubscribe Kind = "unsubscribe"
	// Paused is a tenant's stream paused by the reputation guard (its
	// complaint or hard-bounce rate crossed the pause threshold).
	Paused Kind = "paused"
	// Resumed is a paused stream lifted by an operator.
	Resumed Kind = "resumed"
	// ReputationWarning is a rate crossing its warning threshold.
	ReputationWarning Kind = "reputation_warning"
)

// Outcomes returns the kinds of one recipient's delivery outcome, the
// values of mta/delivery's Event.Kind and of the result label of
// sluice_delivery_recipients_total. The slice is new at each call.
func Outcomes() []Kind { return []Kind{Delivered, Deferred, Failed, Suppressed} }

// Stored returns the kinds the events store records, in a fixed order: the
// kinds a tenant's webhook may be limited to. The slice is new at each
// call.
func Stored() []Kind {
	return []Kind{Sent, Delivered, Deferred, Failed, Deleted, Bounce, Complaint, Open, Click, Unsubscribe,
		Paused, Resumed, ReputationWarning}
}

// Join joins kinds with sep, for help texts and error messages.
func Join(kinds []Kind, sep string) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, sep)
}
