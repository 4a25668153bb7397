package configs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
)

const mappingHash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"

// parseMapping parses text (data_dir in a temporary directory) or fails.
func parseMapping(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := Parse("data_dir = " + `"` + t.TempDir() + `"` + "\n" + text)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The delivery, tenant and subscriber sections reach their packages'
// options with the values the file gave: sources, pools and routes;
// limits only for limited tenants; webhooks only with a URL; reputation
// overrides per tenant; trackers and bounce domains per tenant.
func TestNodeMappings(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, `
[inbound]
domains = ["b.acme.example"]
[delivery]
resolvers = ["192.0.2.53"]
[[source]]
name = "s1"
address = "192.0.2.10"
[[pool]]
name = "default"
sources = ["s1"]
[[route]]
domain = "example.test"
host = "127.0.0.1:2526"
[tracking]
base_url = "https://t.example"
[[tenant]]
name = "acme"
password_hash = "`+mappingHash+`"
sender_domains = ["acme.example"]
bounce_domain = "b.acme.example"
rate_limit = 5.0
daily_quota = 100
tracking = "all"
[tenant.webhook]
url = "https://hooks.acme.example/in"
secret = "0123456789abcdef0123456789abcdef"
[tenant.reputation]
complaint_pause = 0.01
[[tenant]]
name = "plain"
password_hash = "`+mappingHash+`"
sender_domains = ["plain.example"]
`)
	dc := cfg.DeliveryConfig(cfg.Retry())
	if len(dc.Sources) != 1 || dc.Sources[0].Addr.String() != "192.0.2.10" || len(dc.Pools["default"]) != 1 ||
		len(dc.Routes) != 1 || dc.Routes[0].Host != "127.0.0.1:2526" || dc.Retry != cfg.Retry() || dc.Retry.First == 0 {
		t.Errorf("delivery config: %+v", dc)
	}
	if bd := cfg.BounceDomains(); bd["acme"] != "b.acme.example" || bd["plain"] != "" {
		t.Errorf("bounce domains %v", bd)
	}
	if ts := cfg.SubmitTenants(); len(ts) != 2 || ts[0].Name != "acme" || ts[1].SenderDomains[0] != "plain.example" {
		t.Errorf("submit tenants %+v", ts)
	}
	if tc := cfg.TenantTracker(0, nil); tc.BaseURL != "https://t.example" || tc.Mode != "all" || tc.BounceDomain != "b.acme.example" {
		t.Errorf("tracker %+v", tc)
	}
	lc := cfg.LimiterConfig(nil)
	if len(lc.Limits) != 1 || lc.Limits["acme"].Daily != 100 || lc.StatePath != filepath.Join(cfg.DataDir, TenantLimitsFile) {
		t.Errorf("limiter %+v", lc)
	}
	if eps := cfg.WebhookEndpoints(); len(eps) != 1 || eps[0].Tenant != "acme" {
		t.Errorf("webhook endpoints %+v", eps)
	}
	rc, ok := cfg.ReputationConfig()
	if !ok || len(rc.Tenants) != 1 || rc.Tenants["acme"].ComplaintPause != 0.01 || rc.Thresholds.ComplaintPause == 0.01 {
		t.Errorf("reputation %+v %v", rc, ok)
	}
	if _, ok, err := cfg.AccountingOptions(); ok || err != nil {
		t.Errorf("accounting is off by default: %v %v", ok, err)
	}
	to, err := cfg.TenantsOptions(nil)
	if err != nil || to.Path != filepath.Join(cfg.DataDir, TenantsFile) || to.Resolver == nil {
		t.Errorf("tenants options %+v %v", to, err)
	}
	// The edge's own host is no tenant's to take (tenants.Options.EdgeHosts).
	if !slices.Contains(to.EdgeHosts, "t.example") {
		t.Errorf("tenants options' edge hosts %v lack tracking.base_url's host t.example", to.EdgeHosts)
	}
	if _, ok := cfg.WarmupOptions(); ok {
		t.Error("warm-up without a warming source")
	}
	if mo := cfg.MemberOptions("v1", nil); mo.Version != "v1" || mo.DataDir != cfg.DataDir {
		t.Errorf("member options %+v", mo)
	}
}

// A secret that is not hex is named by its key; the edge's Apple ranges
// file is read, and a missing one named; a tenant named as the node's own
// mail is refused once TLS reports are on.
func TestNodeMappingErrors(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, "")
	cfg.Tracking.TokenSecret = strings.Repeat("zz", 32)
	if _, err := cfg.Keyring(); err == nil || !strings.Contains(err.Error(), "tracking.token_secret") {
		t.Errorf("keyring: %v", err)
	}
	cfg.Tracking.TokenSecret = ""
	if kr, err := cfg.Keyring(); err != nil || kr == nil {
		t.Errorf("generated keyring: %v", err)
	}
	cfg.Tracking.AppleCIDRsFile = filepath.Join(cfg.DataDir, "apple.csv")
	if _, err := cfg.EdgeConfig(nil); err == nil || !strings.Contains(err.Error(), "tracking.apple_cidrs_file") {
		t.Errorf("missing apple file: %v", err)
	}
	if err := os.WriteFile(cfg.Tracking.AppleCIDRsFile, []byte("17.0.0.0/8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Tenants = []Tenant{{Name: "acme", DisplayName: "Acme Inc."}, {Name: tlsrpt.SystemTenant}}
	ec, err := cfg.EdgeConfig(nil)
	if err != nil || len(ec.AppleCIDRs) != 1 || ec.TenantName("acme") != "Acme Inc." || ec.TenantName("other") != "other" {
		t.Errorf("edge config %+v %v", ec, err)
	}
	if _, ok := cfg.EdgeCerts(nil); ok {
		t.Error("certificates without https_addr")
	}
	if _, err := cfg.TLSReporter(tlspolicy.Config{}, nil); err == nil || !strings.Contains(err.Error(), "tenant[1].name") {
		t.Errorf("reserved tenant: %v", err)
	}
	if s, err := cfg.TLSReportSigner(); s != nil || err != nil {
		t.Errorf("report signer without keys: %v %v", s, err)
	}
}
