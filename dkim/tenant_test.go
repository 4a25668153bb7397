package dkim_test

import (
	"crypto/ed25519"
	"testing"

	"sluice/dkim"
)

// A tenant gets the keys of its own domains and their subdomains, never
// another tenant's nor a parent domain's; the ESP keys always.
func TestTenantOptions(t *testing.T) {
	t.Parallel()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	k := func(d string) dkim.Key { return dkim.Key{Domain: d, Selector: "s", Signer: key} }
	keys := []dkim.Key{k("example.com"), k("mail.Example.com"), k("other.org"), k("com"), k("notexample.com")}
	esp := []dkim.Key{k("esp.net")}
	for _, tc := range []struct {
		name    string
		domains []string
		esp     []dkim.Key
		want    []string
		ok      bool
	}{
		{"own and subdomain", []string{"EXAMPLE.com"}, nil, []string{"example.com", "mail.Example.com"}, true},
		{"subdomain only", []string{"mail.example.com"}, nil, []string{"mail.Example.com"}, true},
		{"none", []string{"nobody.net"}, nil, nil, false},
		{"none but ESP", []string{"nobody.net"}, esp, nil, true},
	} {
		opts, ok := dkim.TenantOptions(tc.domains, keys, tc.esp)
		var got []string
		for _, k := range opts.Keys {
			got = append(got, k.Domain)
		}
		if ok != tc.ok || len(got) != len(tc.want) || len(opts.ESPKeys) != len(tc.esp) {
			t.Errorf("%s: keys %v (ESP %d), ok %v; want %v, ok %v", tc.name, got, len(opts.ESPKeys), ok, tc.want, tc.ok)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: keys %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}
