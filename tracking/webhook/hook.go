package webhook

import "sluice/tracking/events"

// Hook is the events store's InTx option for o (Append): nil when o has
// no endpoint, so that the store's writer does nothing more for webhooks
// in a process where no tenant has one (the dispatcher still clears the
// queues of endpoints removed since the last start).
func (o *Outbox) Hook() func(*events.Tx, []events.Event) error {
	if len(o.routes) == 0 {
		return nil
	}
	return o.Append
}

// Endpoints is how many endpoints o has (one per tenant).
func (o *Outbox) Endpoints() int { return len(o.routes) }
