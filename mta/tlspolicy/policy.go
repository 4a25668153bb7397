package tlspolicy

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"time"

	"sluice/mta/outbound"
)

// Mode is a site's TLS policy mode.
type Mode string

// The modes, weakest first.
const (
	// ModeOpportunistic: STARTTLS when offered, any certificate, plaintext
	// when not (RFC 7435); sluice's behaviour without a policy.
	ModeOpportunistic Mode = "opportunistic"
	// ModeRequire: TLS with any certificate; no STARTTLS defers.
	ModeRequire Mode = "require"
	// ModeVerify: TLS with a WebPKI certificate for the MX host name.
	ModeVerify Mode = "verify"
	// ModeMTASTS: the receiver's MTA-STS policy (RFC 8461) decides.
	ModeMTASTS Mode = "mta-sts"
	// ModeDANE: the MX host's DNSSEC-signed TLSA records (RFC 7672) decide.
	ModeDANE Mode = "dane"
)

// ParseMode reads a configured mode name.
func ParseMode(s string) (Mode, bool) {
	switch m := Mode(strings.ToLower(s)); m {
	case ModeOpportunistic, ModeRequire, ModeVerify, ModeMTASTS, ModeDANE:
		return m, true
	}
	return "", false
}

// Source says what decided a Policy.
type Source string

// The sources.
const (
	SourceDefault Source = "default" // nothing configured or published
	SourceConfig  Source = "config"  // a [[delivery.tls_policy]] rule
	SourceMTASTS  Source = "mta-sts" // the domain's MTA-STS policy
	SourceDANE    Source = "dane"    // the MX host's TLSA records
)

// Policy is the TLS policy of one delivery: to one domain, and, once
// [Resolver.ForHost] has seen it, to one MX host. It is immutable.
type Policy struct {
	// Mode and Source: what applies and what decided it.
	Mode   Mode
	Source Source
	// Domain is the policy domain, the recipient domain (RFC 8460 §4.4).
	Domain string
	// Host is the MX host for host policies ("" for a domain's policy).
	Host string
	// Testing is set for MTA-STS testing mode (RFC 8461 §5): failures are
	// reported, and mail is delivered anyway.
	Testing bool
	// STS is the MTA-STS policy in force, nil when none.
	STS *STSPolicy
	// TLSA are the usable TLSA records of a DANE policy; empty under DANE
	// means every published record was unusable: TLS is still mandatory,
	// unauthenticated (RFC 7672 §2.2).
	TLSA []TLSA
	// Problem is a failure met while resolving the policy that did not
	// stop it from applying (a policy server down while a cached policy
	// is used, §5.1), for reports; "" when none.
	Problem ResultType

	roots *x509.CertPool
	now   func() time.Time
}

// Name is the policy's name in failure reasons: "mta-sts enforce",
// "mta-sts testing", "dane", "verify", "require", "opportunistic".
func (p *Policy) Name() string {
	if p.Mode == ModeMTASTS {
		if p.Testing {
			return "mta-sts testing"
		}
		return "mta-sts enforce"
	}
	return string(p.Mode)
}

// Enforced reports whether a failure defers the mail: every mode but
// opportunistic and MTA-STS testing.
func (p *Policy) Enforced() bool {
	return p.Mode != ModeOpportunistic && !p.Testing
}

// AllowsMX reports whether mail may be sent to host at all: under MTA-STS
// enforce only to hosts matching the policy's mx patterns (RFC 8461 §4.1);
// the delivery layer skips the others before dialling. (Verify checks it
// again at the handshake, so a missed check cannot leak mail.)
func (p *Policy) AllowsMX(host string) bool {
	return p.Mode != ModeMTASTS || p.Testing || p.STS.MatchMX(host)
}

// CheckMX is AllowsMX as an error: nil when mail may go to host, else a
// *VerifyError of type validation-failure (RFC 8460 §4.3.2.2), the
// reason a skipped MX host is recorded and reported under.
func (p *Policy) CheckMX(host string) error {
	if p.AllowsMX(host) {
		return nil
	}
	return &VerifyError{Policy: p.Name(), Type: ResultValidationFailure, Host: host, Err: errMXMismatch}
}

// Outbound returns the session policy for mta/outbound's
// Options.TLSPolicy: nil for opportunistic TLS (today's behaviour).
func (p *Policy) Outbound() *outbound.TLSPolicy {
	switch p.Mode {
	case ModeRequire:
		return &outbound.TLSPolicy{Name: p.Name(), Enforce: true}
	case ModeVerify:
		return &outbound.TLSPolicy{Name: p.Name(), Enforce: true, MinVersion: tls.VersionTLS12,
			Verify: webPKI(p.Name(), p.roots, p.now, ResultCertNotTrusted)}
	case ModeMTASTS:
		return &outbound.TLSPolicy{Name: p.Name(), Enforce: !p.Testing, MinVersion: tls.VersionTLS12,
			Verify: p.stsVerify()}
	case ModeDANE:
		t := &outbound.TLSPolicy{Name: p.Name(), Enforce: true, MinVersion: tls.VersionTLS12}
		if len(p.TLSA) > 0 {
			t.Verify = daneVerify(p.TLSA, []string{p.Host, p.Domain}, p.now)
		}
		return t
	}
	return nil
}

// stsVerify checks the MX host against the policy's patterns (§4.1) and
// then its certificate, WebPKI against the host name (§4.2).
func (p *Policy) stsVerify() func(string, tls.ConnectionState) error {
	pki := webPKI(p.Name(), p.roots, p.now, ResultCertNotTrusted)
	return func(host string, cs tls.ConnectionState) error {
		if !p.STS.MatchMX(host) {
			return &VerifyError{Policy: p.Name(), Type: ResultValidationFailure, Host: host,
				Err: errMXMismatch}
		}
		return pki(host, cs)
	}
}
