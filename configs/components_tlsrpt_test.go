package configs

import (
	"strings"
	"testing"

	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
)

// TestTLSReports: with delivery.tls_reports off the node's reporting is
// disabled and nothing else is read (not even a reserved tenant name);
// on, it carries the tls_report_* settings and no signer without an
// aligned dkim.key, and the reserved tenant name is refused.
func TestTLSReports(t *testing.T) {
	t.Parallel()
	cfg := parseMapping(t, "[delivery]\nhelo_name = \"mx.acme.example\"\n")
	cfg.Tenants = []Tenant{{Name: tlsrpt.SystemTenant}}
	if nc, err := cfg.TLSReports(tlspolicy.Config{}, nil); err != nil || nc.Enabled {
		t.Fatalf("tls_reports off: %+v, %v", nc, err)
	}
	cfg.Delivery.TLSReports, cfg.Delivery.TLSReportOrg = true, "Acme"
	if _, err := cfg.TLSReports(tlspolicy.Config{}, nil); err == nil || !strings.Contains(err.Error(), "tenant[0].name") {
		t.Errorf("reserved tenant: %v", err)
	}
	cfg.Tenants = nil
	nc, err := cfg.TLSReports(tlspolicy.Config{Servers: []string{"127.0.0.1:53"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := nc.Reporter
	if !nc.Enabled || nc.Signer != nil || rc.Organization != "Acme" || rc.Submitter != "mx.acme.example" ||
		rc.From != "tlsrpt@mx.acme.example" || len(rc.DNSServers) != 1 {
		t.Errorf("tls_reports on: %+v", nc)
	}
}
