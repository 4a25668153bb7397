package inbound

import (
	"context"
	"testing"

	"sluice/internal/event"
	"sluice/mta/bounce"
	"sluice/mta/delivery"
)

// TestApplyEvent: of delivery's outcomes only a failure goes through the
// policy, with the reply delivery saw; a 5xx reply on a delivered or
// deferred outcome suppresses nothing.
func TestApplyEvent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		kind    event.Kind
		class   bounce.Class
		applied bool
	}{
		{event.Delivered, "", false},
		{event.Deferred, "", false},
		{event.Suppressed, "", false},
		{event.Failed, bounce.HardInvalidRecipient, true},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			t.Parallel()
			s, store, _, _ := newSyncReturns(t)
			class, applied := s.ApplyEvent(context.Background(), delivery.Event{Kind: c.kind, Tenant: tenantA, ID: 42,
				Rcpt: victim, Code: 550, Enhanced: "5.1.1", Reply: replyUnknown})
			if class != c.class || applied != c.applied {
				t.Fatalf("ApplyEvent = %q, %v; want %q, %v", class, applied, c.class, c.applied)
			}
			if _, ok := store.Suppressed(tenantA, victim); ok != c.applied {
				t.Errorf("suppressed %v, want %v", ok, c.applied)
			}
		})
	}
}
