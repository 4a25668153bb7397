package inbound

import (
	"strings"
	"testing"

	"sluice/queue"
	"sluice/tracking/token"
)

// TestVERP: without any bounce domain there is no hook (delivery keeps
// grouping recipients); with one, only that tenant's mail gets a VERP
// sender, and it opens to the message and recipient it names.
func TestVERP(t *testing.T) {
	t.Parallel()
	kr, err := token.NewKeyring(token.Key{ID: 1, Secret: []byte(strings.Repeat("v", token.MinSecret))})
	if err != nil {
		t.Fatal(err)
	}
	k := KeyringTokens{Keyring: kr}
	for _, domains := range []map[string]string{nil, {}, {tenantA: "", tenantB: ""}} {
		if k.VERP(domains) != nil {
			t.Errorf("VERP(%v) is a hook: delivery would send one recipient per transaction for nothing", domains)
		}
	}
	rp := k.VERP(map[string]string{tenantA: bounceDomain, tenantB: ""})
	if rp == nil {
		t.Fatal("VERP with a bounce domain is nil")
	}
	const id = queue.ID(1_900_000_000_000_001)
	if got := rp(&queue.Work{ID: id, Tenant: tenantB}, queue.WorkRcpt{Index: 1}); got != "" {
		t.Errorf("VERP for a tenant without a bounce domain: %q", got)
	}
	got := rp(&queue.Work{ID: id, Tenant: tenantA}, queue.WorkRcpt{Index: 1})
	local, ok := strings.CutSuffix(got, "@"+bounceDomain)
	if !ok || !strings.HasPrefix(local, "b.") {
		t.Fatalf("VERP sender %q: want b.<token>@%s", got, bounceDomain)
	}
	if gid, idx, ok := k.OpenBounce(local[2:]); !ok || gid != id || idx != 1 {
		t.Errorf("OpenBounce = %v, %d, %v; want %v, 1", gid, idx, ok, id)
	}
}
