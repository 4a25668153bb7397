package configs

import (
	"strings"
	"testing"
)

// TestHTTPSEdgeAndTLSReportKeys: each bad combination of the HTTPS edge's
// and the TLS reports' keys stops loading with the key named; good ones
// load.
func TestHTTPSEdgeAndTLSReportKeys(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, toml, want string
	}{
		{"cert without key", "[tracking]\nhttps_addr = \"127.0.0.1:8443\"\ntls_cert = \"/c.pem\"\n", "tracking.tls_key"},
		{"key without cert", "[tracking]\nhttps_addr = \"127.0.0.1:8443\"\ntls_key = \"/k.pem\"\n", "tracking.tls_key"},
		{"https without certificate", "[tracking]\nhttps_addr = \"127.0.0.1:8443\"\n", "tracking.https_addr: needs a certificate"},
		{"certificate without https", "[tracking]\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\n", "tracking.https_addr: required"},
		{"acme without https", "[tracking]\nacme_hosts = [\"t.example.com\"]\n", "tracking.https_addr: required"},
		{"bad https addr", "[tracking]\nhttps_addr = \"443\"\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\n", "tracking.https_addr"},
		{"acme host without dot", "[tracking]\nhttps_addr = \":443\"\nacme_hosts = [\"localhost\"]\n", "tracking.acme_hosts[0]"},
		{"acme wildcard", "[tracking]\nhttps_addr = \":443\"\nacme_hosts = [\"*.example.com\"]\n", "tracking.acme_hosts[0]"},
		{"acme directory http", "[tracking]\nhttps_addr = \":443\"\nacme_hosts = [\"t.example.com\"]\nacme_directory = \"http://ca.example/dir\"\n", "tracking.acme_directory"},
		{"acme email alone", "[tracking]\nacme_email = \"ops@example.com\"\n", "tracking.acme_hosts"},
		{"reports without org", "hostname = \"mta.example.net\"\n[delivery]\ntls_reports = true\n", "delivery.tls_report_org"},
		{"reports from a bare host", "hostname = \"localhost\"\n[delivery]\ntls_reports = true\ntls_report_org = \"Example\"\n", "delivery.tls_report_submitter (default delivery.helo_name)"},
		{"reports bad submitter", "[delivery]\ntls_reports = true\ntls_report_org = \"Example\"\ntls_report_submitter = \"a b.example\"\n", "delivery.tls_report_submitter"},
		{"reports bad from", "hostname = \"mta.example.net\"\n[delivery]\ntls_reports = true\ntls_report_org = \"Example\"\ntls_report_from = \"Reports <r@example.net>\"\n", "delivery.tls_report_from"},
		{"reports contact two lines", "hostname = \"mta.example.net\"\n[delivery]\ntls_reports = true\ntls_report_org = \"Example\"\ntls_report_contact = \"a\\nb\"\n", "delivery.tls_report_contact"},

		{"static certificate", "[tracking]\nhttps_addr = \"127.0.0.1:8443\"\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\n", ""},
		{"acme", "[tracking]\nhttps_addr = \":443\"\nacme_hosts = [\"t.example.com\"]\nacme_email = \"ops@example.com\"\nacme_directory = \"https://ca.example/dir\"\n", ""},
		{"reports", "hostname = \"mta.example.net\"\n[delivery]\ntls_reports = true\ntls_report_org = \"Example\"\n", ""},
		{"reports off need nothing", "hostname = \"localhost\"\n[delivery]\ntls_report_from = \"nonsense\"\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.toml)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// TestTLSReportDefaults: the submitter follows helo_name, the From the
// submitter, the contact the From, the directory data_dir.
func TestTLSReportDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("hostname = \"mta.example.net\"\ndata_dir = \"/var/lib/sluice\"\n[delivery]\ntls_reports = true\ntls_report_org = \"Example\"\n")
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.TLSReportSettings()
	want := TLSReportSettings{Organization: "Example", Submitter: "mta.example.net", From: "tlsrpt@mta.example.net",
		Contact: "tlsrpt@mta.example.net", Dir: "/var/lib/sluice/tlsrpt"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	cfg.Delivery.TLSReportFrom = "reports@example.net"
	if s := cfg.TLSReportSettings(); s.From != "reports@example.net" || s.Contact != "reports@example.net" {
		t.Fatalf("explicit from: %+v", s)
	}
}

// TestHTTPSRedirect: a redirect only when the edge serves HTTPS itself and
// base_url is https.
func TestHTTPSRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, base, want string
	}{
		{":443", "https://t.example.com/base", "https://t.example.com"},
		{":443", "https://t.example.com:8443", "https://t.example.com:8443"},
		{":443", "http://t.example.com", ""},
		{"", "https://t.example.com", ""},
		{":443", "", ""},
	} {
		if got := (Tracking{HTTPSAddr: tc.addr, BaseURL: tc.base}).HTTPSRedirect(); got != tc.want {
			t.Errorf("https_addr %q base_url %q: %q, want %q", tc.addr, tc.base, got, tc.want)
		}
	}
}
