package ctl

import (
	"bytes"
	"testing"
	"time"

	"sluice/admin"
)

// TestFleetLine: the line under `ctl stats` names whose numbers are
// summed, stale ones with their time, and the live nodes left out.
func TestFleetLine(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    *admin.FleetInfo
		want string
	}{
		{"alone", nil, ""},
		{"redis down", &admin.FleetInfo{Error: "redis unavailable: this node's numbers only"},
			"\nfleet: redis unavailable: this node's numbers only\n"},
		{"fleet", &admin.FleetInfo{Nodes: []admin.FleetNode{{ID: "a", Local: true}, {ID: "b"}, {ID: "c", Stale: true, Updated: at}},
			Missing: []string{"d"}},
			"\nfleet totals of 3 nodes: a (this node), b, c (stale: 2026-01-02T03:04:05Z)\nnot counted (live, nothing published yet): d\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := fleetLine(&b, tc.f); err != nil || b.String() != tc.want {
				t.Fatalf("got %q, %v; want %q", b.String(), err, tc.want)
			}
		})
	}
}
