package submit

import (
	"strings"
	"testing"
)

// Two configured tenants with nested sender domains (redteam2): the
// broader tenant (a.example) could send as the narrower one's
// shop.a.example, envelope and From, and have it signed with
// shop.a.example's key. The most specific claim owns a domain and its
// subdomains; the broader tenant keeps its other subdomains; FromAllow's
// explicit grant still counts; a reload (SetTenants) recomputes it.
func TestNestedSenderDomainsOwnedByTheMostSpecific(t *testing.T) {
	t.Parallel()
	broad := &Tenant{Name: "broad", Username: "broad", SenderDomains: []string{"a.example"}}
	shop := &Tenant{Name: "shop", Username: "shop", SenderDomains: []string{"Shop.A.Example."}}
	grant := &Tenant{Name: "grant", Username: "grant", SenderDomains: []string{"g.example"},
		FromAllow: []string{"news@shop.a.example"}}
	ts := startServer(t, Config{}, broad, shop, grant)
	for _, tc := range []struct{ user, from, header, want string }{
		{"broad", "x@a.example", "x@a.example", "250 "},
		{"broad", "x@mail.a.example", "x@mail.a.example", "250 "},
		{"broad", "x@shop.a.example", "", "553 5.7.1"},
		{"broad", "x@SHOP.a.example", "", "553 5.7.1"},
		{"broad", "x@eu.shop.a.example", "", "553 5.7.1"},
		{"broad", "x@a.example", "x@shop.a.example", "550 5.7.1 From header address not allowed"},
		{"broad", "x@a.example", "Shop <x@eu.Shop.a.example>", "550 5.7.1 From header address not allowed"},
		{"broad", "x@a.example", "x@a.example\r\nSender: y@shop.a.example", "550 5.7.1 Sender header address not allowed"},
		{"shop", "x@shop.a.example", "x@eu.shop.a.example", "250 "},
		{"shop", "x@a.example", "", "553 5.7.1"},
		{"grant", "x@g.example", "news@shop.a.example", "250 "},
		{"grant", "x@g.example", "other@shop.a.example", "550 5.7.1"},
	} {
		c := dialRaw(t, ts.addr).login(tc.user)
		var got string
		if tc.header == "" {
			got = c.cmd("MAIL FROM:<" + tc.from + ">")
		} else {
			got = c.send(tc.from, "r@example.net", "From: "+tc.header+"\r\nSubject: hi\r\n\r\nhi\r\n.\r\n")
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s, MAIL FROM:<%s>, From: %s: %q, want %s…", tc.user, tc.from, tc.header, got, tc.want)
		}
	}
	// Reloaded without the narrower tenant, the broad one has it all.
	if err := ts.b.SetTenants([]*Tenant{broad, grant}); err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, ts.addr).login("broad")
	c.want(c.cmd("MAIL FROM:<x@shop.a.example>"), "250")
}
