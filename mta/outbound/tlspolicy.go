package outbound

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// ErrTLSRequired marks a session refused because its TLS policy requires
// TLS and the server did not offer STARTTLS, refused it (RFC 3207 §4), or
// the caller disabled it: the message is deferred, never sent in clear
// (RFC 8461 §5, RFC 7672 §2.2). It is temporary: the receiver may mend
// its setup before the message expires.
var ErrTLSRequired = errors.New("outbound: TLS required by policy")

// TLSPolicy is what a delivery's transport security policy asks of one
// session. mta/tlspolicy builds it (MTA-STS, DANE, configured modes); a nil
// policy is opportunistic TLS (RFC 7435), the behaviour of a Client without
// one.
type TLSPolicy struct {
	// Name names the policy in failure reasons: "require", "verify",
	// "mta-sts enforce", "mta-sts testing", "dane".
	Name string
	// Enforce makes failures fatal to the session: no STARTTLS, a failed
	// handshake or a rejected certificate end it with a temporary error.
	// When false (MTA-STS testing, RFC 8461 §5) the session goes on and the
	// failure is kept for [Client.TLSPolicyErr], to be reported.
	Enforce bool
	// Verify checks the server's certificate for host once the handshake
	// has the peer's chain; nil accepts any certificate (mode "require").
	// Its error is returned, wrapped, by Handshake when Enforce is set.
	Verify func(host string, cs tls.ConnectionState) error
	// MinVersion is the lowest TLS version accepted; 0 means TLS 1.0, as
	// for opportunistic sessions.
	MinVersion uint16
}

// TLSPolicyErr returns the failure of the session's TLS policy that did not
// end the session (a policy without Enforce), or nil. The delivery layer
// reports it (TLS-RPT, RFC 8460) while the message is delivered.
func (c *Client) TLSPolicyErr() error { return c.policyErr }

// requireTLS handles a session where STARTTLS is unavailable (why says
// how) under c's policy: an error when the policy enforces, otherwise nil
// with the failure kept for TLSPolicyErr.
func (c *Client) requireTLS(why string) error {
	p := c.opts.TLSPolicy
	if p == nil {
		return nil
	}
	err := fmt.Errorf("%s: %s %s: %w", p.Name, why, c.host, ErrTLSRequired)
	if !p.Enforce {
		c.policyErr = err
		return nil
	}
	c.quitQuietly()
	// A synthesised 4.7.5 (RFC 3463: cryptographic failure) reply, with
	// Err set so shaping never reads it as the receiver's throttle.
	return c.fail(localError("STARTTLS", 454, "4.7.5 "+err.Error(), err))
}

// policyTLSConfig is the STARTTLS configuration under a policy: the chain
// is checked by the policy's Verify (WebPKI, MTA-STS or DANE rules, which
// crypto/tls's own verification cannot express), so crypto/tls is told to
// skip its own.
func (c *Client) policyTLSConfig(name string) *tls.Config {
	p := c.opts.TLSPolicy
	minVersion := p.MinVersion
	if minVersion == 0 {
		minVersion = tls.VersionTLS10
	}
	return &tls.Config{
		ServerName:         name,
		InsecureSkipVerify: true, // Verify below decides.
		MinVersion:         minVersion,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if p.Verify == nil {
				return nil
			}
			err := p.Verify(c.host, cs)
			if err != nil && !p.Enforce {
				c.policyErr = err
				return nil
			}
			return err
		},
	}
}
