package metrics

import (
	"strings"
	"testing"

	"sluice/mta/bounce"
	"sluice/mta/inbound"
)

// A return is counted by class, and charged to its tenant only when it
// is attributed by proof.
func TestInboundReturn(t *testing.T) {
	t.Parallel()
	m := New()
	m.InboundReturn(inbound.Event{Kind: "bounce", Tenant: "acme", Class: bounce.Class("hard_invalid_recipient"), Via: inbound.ViaVERP})
	m.InboundReturn(inbound.Event{Kind: "complaint", Tenant: "shop", Class: bounce.Class("complaint"), Via: inbound.ViaMessageIDUnverified})
	m.InboundReturn(inbound.Event{Kind: "unattributed", Tenant: "acme", Class: bounce.Class("hard_invalid_recipient")})
	out := scrape(t, m)
	wantLines(t, out,
		`sluice_returns_total{class="hard_invalid_recipient",path="inbound"} 1`,
		`sluice_returns_total{class="complaint",path="inbound"} 1`,
		`sluice_returns_total{class="unattributed",path="inbound"} 1`,
		`sluice_returns_tenant_total{kind="bounce",tenant="acme"} 1`,
	)
	if strings.Contains(out, `tenant="shop"`) || strings.Contains(out, `kind="unattributed"`) {
		t.Errorf("an unproven return was charged to a tenant:\n%s", out)
	}
}
