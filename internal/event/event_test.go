package event

import (
	"slices"
	"testing"
)

// TestLists: every outcome but Suppressed is stored (Suppressed is stored
// as Failed), no list repeats a kind, and Join spells them in order.
func TestLists(t *testing.T) {
	t.Parallel()
	stored, outcomes := Stored(), Outcomes()
	for _, k := range outcomes {
		if slices.Contains(stored, k) != (k != Suppressed) {
			t.Errorf("outcome %q: stored = %v", k, slices.Contains(stored, k))
		}
	}
	for name, l := range map[string][]Kind{"Stored": stored, "Outcomes": outcomes} {
		c := slices.Clone(l)
		slices.Sort(c)
		if len(slices.Compact(c)) != len(l) {
			t.Errorf("%s repeats a kind: %v", name, l)
		}
	}
	if got := Join(outcomes, ", "); got != "delivered, deferred, failed, suppressed" {
		t.Errorf("Join = %q", got)
	}
	// The lists are fresh: a caller cannot change them for the others.
	Stored()[0] = "x"
	if Stored()[0] != Sent {
		t.Error("Stored shares its slice")
	}
}
