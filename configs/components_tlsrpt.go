package configs

import (
	"fmt"
	"log/slog"

	"sluice/dkim"
	"sluice/mta/tlspolicy"
	"sluice/mta/tlsrpt"
)

// TLSReporter is the TLS reporter's config (RFC 8460) from the
// tls_report_* keys: it asks tc's resolvers for `_smtp._tls` records and
// posts to https receivers trusting tc's roots. The source of statistics
// and the Enqueue of mailed reports are the caller's. A [[tenant]] named
// tlsrpt.SystemTenant is refused: the reports are queued under it.
func (c *Config) TLSReporter(tc tlspolicy.Config, log *slog.Logger) (tlsrpt.Config, error) {
	for i, t := range c.Tenants {
		if t.Name == tlsrpt.SystemTenant {
			return tlsrpt.Config{}, fmt.Errorf("config: tenant[%d].name: %q is reserved for the node's own mail", i, t.Name)
		}
	}
	s := c.TLSReportSettings()
	// The https receiver is named by the domain's TXT record: the same
	// dialer as the MTA-STS fetch (public addresses only, unless
	// delivery.allow_private_mx).
	return tlsrpt.Config{Dir: s.Dir, Organization: s.Organization, Submitter: s.Submitter, From: s.From, Contact: s.Contact,
		DNSServers: tc.Servers, RootCAs: tc.RootCAs, Log: log, DialContext: tc.DialContext}, nil
}

// TLSReports is the node's TLS reporting (tlsrpt.NodeConfig.Open):
// disabled when delivery.tls_reports is off (nothing else is read then);
// otherwise TLSReporter's config and TLSReportSigner's signer.
func (c *Config) TLSReports(tc tlspolicy.Config, log *slog.Logger) (tlsrpt.NodeConfig, error) {
	if !c.Delivery.TLSReports {
		return tlsrpt.NodeConfig{}, nil
	}
	rc, err := c.TLSReporter(tc, log)
	if err != nil {
		return tlsrpt.NodeConfig{}, err
	}
	signer, err := c.TLSReportSigner()
	if err != nil {
		return tlsrpt.NodeConfig{}, err
	}
	return tlsrpt.NodeConfig{Enabled: true, Reporter: rc, Signer: signer}, nil
}

// TLSReportSigner signs mailed TLS reports with the dkim.key entries
// aligned with tls_report_from's domain (dkim.AlignedSigner); nil when
// none is.
func (c *Config) TLSReportSigner() (tlsrpt.Signer, error) {
	s, err := dkim.AlignedSigner(c.DKIM.Signers(nil), c.TLSReportSettings().From)
	if err != nil || s == nil {
		return nil, wrapConfig(err)
	}
	return s, nil
}

// wrapConfig prefixes err (when not nil) with "config: ".
func wrapConfig(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("config: %w", err)
}
