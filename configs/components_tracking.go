package configs

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"sluice/internal/certs"
	"sluice/tracking"
	"sluice/tracking/events"
	"sluice/tracking/token"
	"sluice/tracking/webhook"
)

// What [tracking] means to the tracking edge, its tokens and its
// certificates. Each method takes a validated Config.

// Keyring is the token keyring of [tracking] (token.LoadKeyring: the
// secret generated into data_dir, created if need be, on first start
// when none is set); an error names the key of a secret that is not hex.
func (c *Config) Keyring() (*token.Keyring, error) {
	t := c.Tracking
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	kr, err := token.LoadKeyring(t.TokenSecret, t.PreviousTokenSecrets, filepath.Join(c.DataDir, token.SecretFile))
	var he *token.HexError
	switch {
	case errors.As(err, &he) && he.Index < 0:
		return nil, errors.New("config: tracking.token_secret: not hex")
	case errors.As(err, &he):
		return nil, fmt.Errorf("config: tracking.previous_token_secrets[%d]: not hex", he.Index)
	case err != nil:
		return nil, fmt.Errorf("config: tracking token secrets: %w", err)
	}
	return kr, nil
}

// EdgeConfig is the tracking edge's config from [tracking] (Apple's
// ranges read from apple_cidrs_file) and the tenants' display names for
// the unsubscribe page. With cm, the HTTPS edge's certificates
// (EdgeCerts), plain HTTP answers ACME HTTP-01 challenges when
// acme_hosts names any. The keyring, the stores, the logger and the
// tenants' hosts are the caller's.
func (c *Config) EdgeConfig(cm *certs.Manager) (tracking.Config, error) {
	t := c.Tracking
	names := map[string]string{}
	for _, tn := range c.Tenants {
		names[tn.Name] = tn.DisplayName
	}
	var apple []netip.Prefix
	if f := t.AppleCIDRsFile; f != "" {
		var err error
		if apple, err = tracking.LoadCIDRs(f); err != nil {
			return tracking.Config{}, fmt.Errorf("config: tracking.apple_cidrs_file: %w", err)
		}
	}
	ec := tracking.Config{
		TenantName: func(tenant string) string {
			if n := names[tenant]; n != "" {
				return n
			}
			return tenant
		},
		IPMode: t.IPMode, TrustedProxies: Prefixes(t.TrustedProxies), KeepUserAgent: t.KeepUserAgent,
		AppleCIDRs: apple, AppleOpensHuman: t.AppleOpensHuman, MaxTokenAge: t.MaxTokenAge.Duration,
		HTTPSRedirect: t.HTTPSRedirect(), MaxConnsPerAddr: t.MaxConnsPerAddr, MaxConns: t.MaxConns,
	}
	if cm != nil && len(t.ACMEHosts) > 0 {
		ec.HTTPChallenge = cm.HTTPChallenge
	}
	return ec, nil
}

// EdgeCerts is the HTTPS edge's certificates (tls_cert, tls_key, ACME
// hosts with HTTP-01 on the plain listener, kept in data_dir/acme); ok is
// false without tracking.https_addr. hosts, when not nil, are the
// tenants' own tracking hosts, certified too under acme_tenant_hosts.
func (c *Config) EdgeCerts(hosts tracking.HostTenants) (cc certs.Config, ok bool) {
	t := c.Tracking
	if t.HTTPSAddr == "" {
		return cc, false
	}
	var allow func(string) bool
	if t.ACMETenantHosts && hosts != nil {
		allow = func(h string) bool { _, ok := hosts.HostTenant(h); return ok }
	}
	return certs.Config{CertFile: t.TLSCert, KeyFile: t.TLSKey,
		ACME: certs.ACME{Hosts: t.ACMEHosts, Allow: allow, Directory: t.ACMEDirectory, Email: t.ACMEEmail,
			CacheDir: filepath.Join(c.DataDir, "acme"), HTTP01: true}}, true
}

// CheckEdge checks what `sluice edge` needs of a valid config: [cluster]
// resolved and, without a fleet, tracking.suppress_via (the admin URL of
// the node that keeps suppressions).
func (c *Config) CheckEdge() error {
	if err := c.Cluster.Resolve(); err != nil {
		return err
	}
	if !c.Cluster.Enabled() && c.Tracking.SuppressVia == "" {
		return errors.New("config: tracking.suppress_via: required for `sluice edge` (the admin URL of the node that keeps suppressions)")
	}
	return nil
}

// EdgeCertManager is the HTTPS edge's certificate manager (EdgeCerts,
// logging to w.Logger), its reload registered and its files watched
// through w; nil without tracking.https_addr.
func (c *Config) EdgeCertManager(w *certs.Watched, hosts tracking.HostTenants) (*certs.Manager, error) {
	cc, ok := c.EdgeCerts(hosts)
	if !ok {
		return nil, nil
	}
	cc.Logger = w.Logger
	cm, err := certs.New(cc)
	if err != nil {
		return nil, fmt.Errorf("config: tracking.tls_cert / acme_hosts: %w", err)
	}
	w.Add("tracking", cm)
	return cm, nil
}

// StandaloneEdge is `sluice edge`'s options (tracking.OpenStandalone):
// data_dir, the listeners of [tracking], the events store's retention
// with out's hook, the edge's config with its keyring (EdgeConfig), its
// certificates (EdgeCertManager, watched through w) and, with [cluster]
// set, the fleet member's options (version is the edge's). The webhooks,
// what joining the fleet sets up and the Suppressor without a fleet are
// the caller's.
func (c *Config) StandaloneEdge(out *webhook.Outbox, w *certs.Watched, version string) (tracking.StandaloneOptions, error) {
	log := w.Logger
	o := tracking.StandaloneOptions{Dir: c.DataDir, Listen: c.Tracking.Listen, HTTPSAddr: c.Tracking.HTTPSAddr, Logger: log,
		Events: events.Options{Retention: c.Tracking.Retention.Duration, Logger: log, InTx: out.Hook()}}
	if c.Cluster.Enabled() {
		mo := c.MemberOptions(version, log)
		o.Fleet = &mo
	}
	kr, err := c.Keyring()
	if err != nil {
		return o, err
	}
	if o.Certs, err = c.EdgeCertManager(w, nil); err != nil {
		return o, err
	}
	if o.Edge, err = c.EdgeConfig(o.Certs); err != nil {
		return o, err
	}
	o.Edge.Keyring, o.Edge.Logger = kr, log
	return o, nil
}
