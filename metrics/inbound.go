package metrics

import "sluice/mta/inbound"

// InboundReturn counts a return the returns worker processed: in
// sluice_returns_total{path="inbound"} by class ("unattributed" when no
// message of ours was found), and against its tenant
// (sluice_returns_tenant_total) only when it is attributed by proof: an
// unattributed return, or one matched only by an unverified Message-ID
// that a stranger could copy, charges no tenant.
func (m *Set) InboundReturn(ev inbound.Event) {
	class := string(ev.Class)
	if ev.Kind == "unattributed" {
		class = "unattributed"
	}
	m.Return("inbound", class)
	if ev.Tenant != "" && ev.Kind != "unattributed" && ev.Via != inbound.ViaMessageIDUnverified {
		m.TenantReturn(ev.Tenant, ev.Kind)
	}
}
