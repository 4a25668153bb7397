package main

import (
	"strings"
	"testing"

	"sluice/internal/event"
	"sluice/mta/delivery"
)

// TestDeliveryMetricNamesEveryOutcome: the help text of
// sluice_delivery_recipients_total lists every delivery outcome (it once
// missed suppressed), and each outcome is counted under its own result
// label.
func TestDeliveryMetricNamesEveryOutcome(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	for _, k := range event.Outcomes() {
		m.deliveryEvent(delivery.Event{Kind: k})
	}
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "sluice_delivery_recipients_total" {
			continue
		}
		counted := map[string]float64{}
		for _, mt := range mf.GetMetric() {
			counted[mt.GetLabel()[0].GetValue()] = mt.GetCounter().GetValue()
		}
		for _, k := range event.Outcomes() {
			if !strings.Contains(mf.GetHelp(), string(k)) {
				t.Errorf("help %q does not name %s", mf.GetHelp(), k)
			}
			if counted[string(k)] != 1 {
				t.Errorf("result %s counted %v times, want 1", k, counted[string(k)])
			}
		}
		return
	}
	t.Fatal("sluice_delivery_recipients_total not registered")
}
