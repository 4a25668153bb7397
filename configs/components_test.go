package configs

import (
	"crypto/tls"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/mta/bounce"
	"sluice/mta/tlspolicy"
)

// TestComponentsMapSections: each section reaches its package's options
// with the values the file gave, resolvers normalised to ip:port.
func TestComponentsMapSections(t *testing.T) {
	t.Parallel()
	cfg, err := Parse(`
[submission]
max_sessions = 50
max_preauth_per_ip = 7
auth_lockout_after = 4
trusted_networks = ["10.0.0.0/8"]
trusted_tenant = "acme"
[inbound]
max_conns_per_ip = 9
proxy_protocol_from = ["192.0.2.0/24"]
[delivery]
resolvers = ["192.0.2.53"]
dnssec_resolvers = ["127.0.0.1:5353"]
dane = true
[[delivery.tls_policy]]
domain = "bank.example"
mode = "verify"
[[shaping.rule]]
name = "slow"
domains = ["slow.example"]
rate = "10/m"
quiet_period = "5m"
[[bounce_rule]]
name = "mine"
pattern = "mailbox frozen"
class = "hard_invalid_recipient"
reason = "user_unknown"
[[tenant]]
name = "acme"
password_hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
sender_domains = ["acme.example"]
`)
	if err != nil {
		t.Fatal(err)
	}
	sg := cfg.Submission.Guard()
	if sg.MaxConns != 50 || sg.MaxPreAuthPerAddr != 7 || len(sg.Trusted) != 1 || sg.Trusted[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("submission guard: %+v", sg)
	}
	if th := cfg.Submission.AuthThrottle(); th.PairLimit != 4 || th.AddrLimit != 12 {
		t.Errorf("auth throttle: %+v", th)
	}
	if ig := cfg.Inbound.Guard(); ig.MaxConnsPerAddr != 9 || len(ig.ProxyFrom) != 1 || ig.MaxPreAuth != 0 {
		t.Errorf("inbound guard: %+v", ig)
	}
	tc, err := cfg.TLSPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tc.Servers, ",") != "192.0.2.53:53" || strings.Join(tc.DNSSECServers, ",") != "127.0.0.1:5353" ||
		!tc.DANE || !tc.MTASTS || tc.RootCAs != nil || tc.Dir != filepath.Join(cfg.DataDir, "mta-sts") {
		t.Errorf("tls policy: %+v", tc)
	}
	if len(tc.Rules) != 1 || tc.Rules[0].Domain != "bank.example" || tc.Rules[0].Mode != tlspolicy.ModeVerify {
		t.Errorf("tls policy rules: %+v", tc.Rules)
	}
	set := cfg.ShapingRules()
	if !set.Builtin || set.MaxConnections != 20 || len(set.Configured) != 1 ||
		set.Configured[0].Rate != "10/m" || set.Configured[0].Rule.QuietPeriod != 5*time.Minute {
		t.Errorf("shaping: %+v", set)
	}
	if _, err := set.Rules(); err != nil {
		t.Errorf("shaping rules: %v", err)
	}
	bo := cfg.BounceOptions()
	if len(bo.Rules) != 1 || bo.Rules[0].Class != bounce.HardInvalidRecipient || bo.Rules[0].Pattern != "mailbox frozen" {
		t.Errorf("bounce rules: %+v", bo.Rules)
	}
	if _, err := bounce.NewWithOptions(bo); err != nil {
		t.Errorf("bounce classifier: %v", err)
	}
}

// TestComponentsFileErrorsNameTheKey: the files the mappings read (the
// extra roots, the inbound certificate) name their key when missing, and
// inbound falls back to submission's certificate.
func TestComponentsFileErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.pem")
	cfg := Default()
	cfg.Delivery.TLSCAFile = missing
	if _, err := cfg.TLSPolicy(); err == nil || !strings.Contains(err.Error(), "delivery.tls_ca_file:") {
		t.Errorf("tls_ca_file: %v", err)
	}
	sub := &tls.Config{}
	if got, err := cfg.Inbound.TLSConfig(sub); err != nil || got != sub {
		t.Errorf("inbound without a certificate: %p, %v; want submission's", got, err)
	}
	cfg.Inbound.TLSCert, cfg.Inbound.TLSKey = missing, missing
	if _, err := cfg.Inbound.TLSConfig(sub); err == nil || !strings.Contains(err.Error(), "inbound.tls_cert:") {
		t.Errorf("inbound tls_cert: %v", err)
	}
}
