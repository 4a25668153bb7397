package tlspolicy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"sluice/mta/outbound"
)

// ResultType is a TLS-RPT result type (RFC 8460 §4.3): why a session
// failed its policy, or "success".
type ResultType string

// Result types of RFC 8460 §4.3, and success.
const (
	ResultSuccess              ResultType = "success"
	ResultSTARTTLSNotSupported ResultType = "starttls-not-supported"
	ResultHostMismatch         ResultType = "certificate-host-mismatch"
	ResultCertExpired          ResultType = "certificate-expired"
	ResultCertNotTrusted       ResultType = "certificate-not-trusted"
	ResultValidationFailure    ResultType = "validation-failure"
	ResultSTSPolicyFetchError  ResultType = "sts-policy-fetch-error"
	ResultSTSPolicyInvalid     ResultType = "sts-policy-invalid"
	ResultSTSWebPKIInvalid     ResultType = "sts-webpki-invalid"
	ResultTLSAInvalid          ResultType = "tlsa-invalid"
	ResultDNSSECInvalid        ResultType = "dnssec-invalid"
	ResultDANERequired         ResultType = "dane-required"
)

// VerifyError is a certificate rejected by a policy. Its message is the
// reason the delivery layer puts in events and logs, e.g. "mta-sts
// enforce: certificate name mismatch for mx1.example.test".
type VerifyError struct {
	Policy string     // the policy's name, as in outbound.TLSPolicy.Name
	Type   ResultType // the TLS-RPT result type
	Host   string     // the MX host
	Err    error      // the underlying x509 or DANE cause, may be nil
}

func (e *VerifyError) Error() string {
	what := map[ResultType]string{
		ResultHostMismatch:      "certificate name mismatch",
		ResultCertExpired:       "certificate expired",
		ResultCertNotTrusted:    "certificate not trusted",
		ResultTLSAInvalid:       "no TLSA record matches the certificate",
		ResultValidationFailure: "certificate validation failed",
		ResultSTSWebPKIInvalid:  "certificate not trusted",
	}[e.Type]
	if what == "" {
		what = string(e.Type)
	}
	if errors.Is(e.Err, errMXMismatch) {
		return fmt.Sprintf("%s: MX host %s not in the policy's mx patterns", e.Policy, e.Host)
	}
	s := fmt.Sprintf("%s: %s for %s", e.Policy, what, e.Host)
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Classify returns the TLS-RPT result type of a delivery attempt's error
// under a policy: nil is success; a missing STARTTLS, a rejected
// certificate (by the policy's check or by crypto/tls), and any other
// handshake failure each get their type (RFC 8460 §4.3). Errors that are
// not about TLS (a 550 to RCPT) also count as success for TLS reporting:
// the TLS session itself was fine.
func Classify(err error) ResultType {
	var ve *VerifyError
	var oe *outbound.Error
	switch {
	case err == nil:
		return ResultSuccess
	case errors.As(err, &ve):
		return ve.Type
	case errors.Is(err, outbound.ErrTLSRequired):
		return ResultSTARTTLSNotSupported
	case errors.As(err, &oe) && oe.Command == "STARTTLS":
		return ResultValidationFailure
	}
	return ResultSuccess
}

// webPKI returns a Verify function checking the chain against roots (nil:
// the system's) and the name host (RFC 8461 §4.2, RFC 6125), at now().
func webPKI(policy string, roots *x509.CertPool, now func() time.Time, failType ResultType) func(string, tls.ConnectionState) error {
	return func(host string, cs tls.ConnectionState) error {
		host = strings.TrimSuffix(host, ".")
		if len(cs.PeerCertificates) == 0 {
			return &VerifyError{Policy: policy, Type: ResultValidationFailure, Host: host, Err: errors.New("no certificate")}
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
			Roots: roots, Intermediates: inter, DNSName: host, CurrentTime: now(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		if err != nil {
			return &VerifyError{Policy: policy, Type: x509Type(err, failType), Host: host, Err: err}
		}
		return nil
	}
}

// x509Type maps an x509 verification error to a TLS-RPT result type;
// untrusted chains get untrusted (certificate-not-trusted, or
// sts-webpki-invalid for MTA-STS).
func x509Type(err error, untrusted ResultType) ResultType {
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var ua x509.UnknownAuthorityError
	switch {
	case errors.As(err, &hn):
		return ResultHostMismatch
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return ResultCertExpired
	case errors.As(err, &ua):
		return untrusted
	}
	return ResultValidationFailure
}
