package tlspolicy

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
)

// RootsWithFile is the system's roots plus the certificates of the PEM
// file, for Config.RootCAs (a private CA in front of policy servers or
// receiving MXs); nil, the system's roots, when file is "".
func RootsWithFile(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate in %s", file)
	}
	return pool, nil
}

// LoggedStats is Stats that logs every outcome but success as a warning
// (with the site, the MX, the policy and where it came from), then hands
// it to next when next is set (metrics, reports).
func LoggedStats(log *slog.Logger, next func(p *Policy, mxHost string, r ResultType)) *Stats {
	return &Stats{OnResult: func(p *Policy, host string, r ResultType) {
		if r != ResultSuccess {
			log.Warn("delivery: TLS policy failure", "rcpt_domain", p.Domain, "mx", host, "tls_policy", p.Name(),
				"tls_policy_source", string(p.Source), "result", string(r))
		}
		if next != nil {
			next(p, host, r)
		}
	}}
}
