package configs

import (
	"path/filepath"
	"strings"
)

// The [delivery] tls_report_* keys (fields of Delivery):
//   - tls_reports: send daily TLS reports (RFC 8460). Default false.
//   - tls_report_org: the report's organization-name (§4.4); required
//     with tls_reports.
//   - tls_report_submitter: the reporting domain (§5.1, §5.3). Default
//     delivery.helo_name, which must then be a domain name.
//   - tls_report_from: From and envelope sender of mailto reports.
//     Default "tlsrpt@" + submitter.
//   - tls_report_contact: the report's contact-info. Default the From.
//   - tls_report_dir: the reporter's store. Default data_dir/tlsrpt.

// TLSReportSettings are the effective tls_report_* values, defaults
// applied.
type TLSReportSettings struct {
	Organization, Submitter, From, Contact, Dir string
}

// TLSReportSettings returns the tls_report_* keys with their defaults.
func (c *Config) TLSReportSettings() TLSReportSettings {
	d := c.Delivery
	s := TLSReportSettings{Organization: d.TLSReportOrg, Submitter: d.TLSReportSubmitter, From: d.TLSReportFrom,
		Contact: d.TLSReportContact, Dir: d.TLSReportDir}
	if s.Submitter == "" {
		s.Submitter = d.HeloName
	}
	if s.From == "" {
		s.From = "tlsrpt@" + s.Submitter
	}
	if s.Contact == "" {
		s.Contact = s.From
	}
	if s.Dir == "" {
		s.Dir = filepath.Join(c.DataDir, "tlsrpt")
	}
	return s
}

// validateTLSReports checks the tls_report_* keys when tls_reports is on
// (helo_name is filled by then).
func (d Delivery) validateTLSReports() error {
	if !d.TLSReports {
		return nil
	}
	if strings.TrimSpace(d.TLSReportOrg) == "" {
		return keyError("delivery.tls_report_org", "required with tls_reports (the report's organization-name)")
	}
	sub, key := d.TLSReportSubmitter, "delivery.tls_report_submitter"
	if sub == "" {
		sub = d.HeloName
		key += " (default delivery.helo_name)"
	}
	if !isReportDomain(sub) {
		return keyError(key, "%q is not a domain name", sub)
	}
	if f := d.TLSReportFrom; f != "" {
		local, dom, ok := strings.Cut(f, "@")
		if !ok || local == "" || !isReportDomain(dom) || strings.ContainsAny(local, " <>,;:\\\"@\r\n\t") {
			return keyError("delivery.tls_report_from", "%q is not a plain address", f)
		}
	}
	if strings.ContainsAny(d.TLSReportContact, "\r\n") {
		return keyError("delivery.tls_report_contact", "must be one line")
	}
	return nil
}

// isReportDomain reports whether s is a domain name of LDH labels, at least
// two (what a report's file name and a DNS question can carry).
func isReportDomain(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := range len(l) {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
