package reputation

import (
	"context"
	"testing"

	"sluice/tracking/events"
)

// BenchmarkObserve is the guard's cost per event counted: a delivered
// message with a campaign (receiver lookup, both scopes, both windows,
// the four rates judged), one event in 200 a complaint.
func BenchmarkObserve(b *testing.B) {
	f := newFixture(&testing.T{}, Config{}, domains("yahoo.com", "gmail.com"))
	ctx := context.Background()
	var m uint64
	b.ReportAllocs()
	for b.Loop() {
		m++
		ev := events.Event{Kind: events.KindDelivered, Tenant: "acme", Campaign: "spring", Message: m}
		if m%400 == 0 {
			ev.Kind = events.KindComplaint
		}
		f.g.Observe(ctx, ev)
	}
}
