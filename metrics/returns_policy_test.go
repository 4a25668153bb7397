package metrics

import (
	"strings"
	"testing"
)

// The policy-return counter is exposed with its three labels.
func TestPolicyReturnsCount(t *testing.T) {
	t.Parallel()
	m := New()
	p := m.PolicyReturns()
	p.Inc("gmail", "src-a1", "policy_blocked")
	p.Inc("gmail", "src-a1", "policy_blocked")
	p.Inc("default", "src-b2", "spam_blocked")
	out := scrape(t, m)
	for _, want := range []string{
		`sluice_returns_policy_total{class="policy_blocked",site="gmail",source="src-a1"} 2`,
		`sluice_returns_policy_total{class="spam_blocked",site="default",source="src-b2"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}
