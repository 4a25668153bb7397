package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"sluice/configs"
	"sluice/mta/delivery"
	"sluice/mta/tlspolicy"
)

// wireTLSPolicy builds the outbound TLS policy resolver from [delivery]
// (MTA-STS, DANE, [[delivery.tls_policy]] rules) and hands it to dc.
// onResult, when set, hears every outcome (metrics).
func wireTLSPolicy(cfg *configs.Config, dc *delivery.Config, log *slog.Logger,
	onResult func(*tlspolicy.Policy, string, tlspolicy.ResultType)) error {
	d := cfg.Delivery
	rules := make([]tlspolicy.Rule, len(d.TLSPolicies))
	for i, r := range d.TLSPolicies {
		m, _ := tlspolicy.ParseMode(r.Mode) // validated by configs
		rules[i] = tlspolicy.Rule{Domain: r.Domain, MX: r.MX, Mode: m}
	}
	servers, err := resolverAddrs("delivery.resolvers", d.Resolvers)
	if err != nil {
		return err
	}
	dnssec, err := resolverAddrs("delivery.dnssec_resolvers", d.DNSSECResolvers)
	if err != nil {
		return err
	}
	roots, err := extraRoots(d.TLSCAFile)
	if err != nil {
		return err
	}
	stats := &tlspolicy.Stats{OnResult: func(p *tlspolicy.Policy, host string, r tlspolicy.ResultType) {
		if r != tlspolicy.ResultSuccess {
			log.Warn("delivery: TLS policy failure", "rcpt_domain", p.Domain, "mx", host, "tls_policy", p.Name(),
				"tls_policy_source", string(p.Source), "result", string(r))
		}
		if onResult != nil {
			onResult(p, host, r)
		}
	}}
	res, err := tlspolicy.New(tlspolicy.Config{
		Rules: rules, MTASTS: d.MTASTSEnabled(), DANE: d.DANE, Servers: servers, DNSSECServers: dnssec,
		Dir: cfg.PolicyDir(), RootCAs: roots, Stats: stats,
	})
	if err != nil {
		return fmt.Errorf("delivery TLS policy: %w", err)
	}
	dc.TLSPolicy, dc.TLSStats = res, stats
	return nil
}

// resolverAddrs normalises configured resolvers to "ip:port".
func resolverAddrs(key string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for i, r := range in {
		a, err := configs.ResolverAddr(r)
		if err != nil {
			return nil, fmt.Errorf("config: %s[%d]: %w", key, i, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// extraRoots is the system's roots plus those of file (PEM); nil (the
// system's) when file is "".
func extraRoots(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config: delivery.tls_ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("config: delivery.tls_ca_file: no PEM certificate in %s", file)
	}
	return pool, nil
}

// inboundTLS is the inbound MX's STARTTLS configuration: [inbound]
// tls_cert/tls_key, or else the submission's (sub).
func inboundTLS(cfg *configs.Config, sub *tls.Config) (*tls.Config, error) {
	in := cfg.Inbound
	if in.TLSCert == "" {
		return sub, nil
	}
	cert, err := tls.LoadX509KeyPair(in.TLSCert, in.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("config: inbound.tls_cert: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
