package ctl

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"sluice/admin"
	"sluice/mta/mx/dnstest"
	"sluice/tenants"
)

// A tenant's tracking host through ctl (set, shown, taken, cleared) and a
// key rotation: rotate prints the new selectors' records, --switch is
// refused until verify found them, then the new keys sign and the old
// ones retire.
func TestTrackingHostAndRotationCommands(t *testing.T) {
	t.Parallel()
	dns := dnstest.NewServer(t)
	n := newNode(t, withTenants(t, dns))
	n.ok("tenant", "create", "shop")
	n.ok("tenant", "create", "other")
	if out := n.ok("tenant", "update", "shop", "--tracking-host", "T.Shop.Example"); !strings.Contains(out, "tracking_host=t.shop.example") {
		t.Fatalf("update --tracking-host: %s", out)
	}
	if code, _, errs := n.ctl("tenant", "update", "other", "--tracking-host", "t.shop.example"); code != 1 || !strings.Contains(errs, "409") {
		t.Fatalf("a taken host: exit %d %s", code, errs)
	}
	if out := n.ok("tenant", "show", "shop"); !strings.Contains(out, "tracking_host: t.shop.example") || !strings.Contains(out, "tracking_host=t.shop.example") {
		t.Fatalf("show: %s", out)
	}
	if out := n.ok("tenant", "update", "shop", "--display-name", "Shop"); !strings.Contains(out, "tracking_host=t.shop.example") {
		t.Fatalf("an update without the flag changed the host: %s", out)
	}
	if out := n.ok("tenant", "update", "shop", "--tracking-host", ""); !strings.Contains(out, "tracking_host= ") {
		t.Fatalf("clearing: %s", out)
	}

	var added admin.DomainRecords
	if err := json.Unmarshal([]byte(n.ok("domain", "add", "--tenant", "shop", "shop.example", "--json")), &added); err != nil {
		t.Fatal(err)
	}
	for _, r := range added.Records {
		dns.AddTXT(r.Name, r.Value)
	}
	n.ok("domain", "verify", "shop.example")
	out := n.ok("domain", "rotate", "shop.example")
	if len(regexp.MustCompile(`(?m)^`+tenants.PurposeNext+` +TXT +s\d+[re]\._domainkey`).FindAllString(out, -1)) != 2 || strings.Count(out, " next ") != 2 || !strings.Contains(out, "rotate shop.example --switch") {
		t.Fatalf("rotate: %s", out)
	}
	var rot admin.DomainRecords
	if err := json.Unmarshal([]byte(n.ok("domain", "show", "shop.example", "--json")), &rot); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := n.ctl("domain", "rotate", "shop.example", "--switch"); code != 1 || !strings.Contains(errs, "not verified") {
		t.Fatalf("switch before verify: exit %d %s", code, errs)
	}
	for _, r := range rot.Records {
		if r.Purpose == tenants.PurposeNext {
			dns.AddTXT(r.Name, r.Value)
		}
	}
	n.ok("domain", "verify", "shop.example")
	out = n.ok("domain", "rotate", "shop.example", "--switch")
	if strings.Count(out, " retiring ") != 2 || len(regexp.MustCompile(`(?m)^`+tenants.PurposeRetiring+` +TXT `).FindAllString(out, -1)) != 2 || strings.Contains(out, " next ") {
		t.Fatalf("switch: %s", out)
	}
	if out := n.ok("tenant", "show", "shop"); !strings.Contains(out, "domain.rotate") || !strings.Contains(out, "domain.switch_keys") {
		t.Fatalf("audit: %s", out)
	}
}
