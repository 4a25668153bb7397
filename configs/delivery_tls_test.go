package configs

import (
	"path/filepath"
	"strings"
	"testing"
)

// The outbound TLS policy keys: defaults, and errors naming the key.
func TestDeliveryTLSPolicyKeys(t *testing.T) {
	t.Parallel()
	def, err := Parse("")
	if err != nil {
		t.Fatal(err)
	}
	if !def.Delivery.MTASTSEnabled() || def.Delivery.DANE || def.PolicyDir() != filepath.Join(def.DataDir, "mta-sts") {
		t.Errorf("defaults: mta_sts %v dane %v dir %q; want on, off, data_dir/mta-sts",
			def.Delivery.MTASTSEnabled(), def.Delivery.DANE, def.PolicyDir())
	}
	off, err := Parse("[delivery]\nmta_sts = false\ntls_policy_dir = \"/x/sts\"\n" +
		"[[delivery.tls_policy]]\ndomain = \".example.com\"\nmode = \"Require\"\n" +
		"[[delivery.tls_policy]]\nmx = \".mail.example.net\"\nmode = \"verify\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if off.Delivery.MTASTSEnabled() || off.PolicyDir() != "/x/sts" || len(off.Delivery.TLSPolicies) != 2 {
		t.Errorf("set: mta_sts %v dir %q rules %d", off.Delivery.MTASTSEnabled(), off.PolicyDir(), len(off.Delivery.TLSPolicies))
	}
	for _, tc := range []struct{ name, toml, key string }{
		{"bad mode", "[[delivery.tls_policy]]\ndomain = \"a.example\"\nmode = \"strict\"\n", "delivery.tls_policy[0].mode"},
		{"no name", "[[delivery.tls_policy]]\nmode = \"require\"\n", "delivery.tls_policy[0]: set exactly one"},
		{"both names", "[[delivery.tls_policy]]\ndomain = \"a.example\"\nmx = \"mx.a.example\"\nmode = \"require\"\n", "delivery.tls_policy[0]: set exactly one"},
		{"bad domain", "[[delivery.tls_policy]]\ndomain = \"*.a.example\"\nmode = \"require\"\n", "delivery.tls_policy[0].domain"},
		{"dane rule without resolvers", "[[delivery.tls_policy]]\nmx = \".a.example\"\nmode = \"dane\"\n", "delivery.tls_policy[0].mode"},
		{"dane without resolvers", "[delivery]\ndane = true\n", "delivery.dane"},
		{"bad dnssec resolver", "[delivery]\ndnssec_resolvers = [\"unbound.local\"]\n", "delivery.dnssec_resolvers[0]"},
		{"inbound key alone", "[inbound]\ntls_cert = \"/c.pem\"\n", "inbound.tls_cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.toml)
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %v, want one naming %s", err, tc.key)
			}
		})
	}
}
