package inbound

import (
	"context"

	"sluice/internal/event"
	"sluice/mta/bounce"
	"sluice/mta/delivery"
)

// ApplyEvent is SyncReturns as a listener of delivery's outcomes
// (delivery.Config.OnEvent): a failed recipient (a final 5xx, or an expiry
// after its last 4xx) goes through Apply; every other outcome is not a
// return and is ignored. It reports the class and true for a failure (the
// class also when the policy's write failed: Apply logged it), false for
// the rest.
func (s *SyncReturns) ApplyEvent(ctx context.Context, ev delivery.Event) (bounce.Class, bool) {
	if ev.Kind != event.Failed {
		return "", false
	}
	class, _, _ := s.Apply(ctx, Failure{Tenant: ev.Tenant, ID: ev.ID, Rcpt: ev.Rcpt,
		Code: ev.Code, Enhanced: ev.Enhanced, Reply: ev.Reply})
	return class, true
}
