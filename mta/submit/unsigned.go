package submit

import (
	"errors"

	"github.com/emersion/go-smtp"

	"sluice/queue"
)

// No silent unsigned mail. The big receivers' bulk-sender rules ask for
// a DKIM signature aligned with the From domain (DMARC, RFC 7489 §3.1.1:
// d= equal to the From domain or, relaxed, an organisational parent of
// it); mail that would leave without one is refused at submission, with
// a reply that says why, rather than sent and quietly counted
// (Metrics.Unsigned). The policy rides on the tenant's Signer
// (RequireAligned wraps it), so each tenant gets its own: tenants kept as
// data always have it (package tenants), configured tenants when the
// operator asks.
//
// *dkim.Signer picks the keys of the From domain or of its closest parent
// (dkim.Signer.Sign), so its signed=true is exactly "aligned".

// errUnaligned is what a RequireAligned signer returns for a message it
// would leave without an aligned signature.
var errUnaligned = errors.New("submit: no DKIM key aligned with the From domain")

// errUnsigned answers such a message: 550 5.7.1, not authorized to send
// it as it is (RFC 3463 §3.8); permanent, since resending the same message
// cannot help until the account's domain is verified or given a key.
var errUnsigned = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
	Message: "Message refused: this account has no DKIM key for the From domain, so it would leave unsigned; verify the domain (its DKIM records) or send from a verified domain"}

// RequireAligned returns a Signer that signs with inner (nil: no keys)
// and fails with a refusal where inner would leave a message without a
// signature aligned with its From domain. With allowESP, a message that
// got only the service's own ESP signature (dkim.Options.ESPKeys; not
// aligned, but signed by an accountable domain) is accepted instead.
func RequireAligned(inner Signer, allowESP bool) Signer {
	return &alignedSigner{inner: inner, allowESP: allowESP}
}

type alignedSigner struct {
	inner    Signer
	allowESP bool
}

// Sign implements Signer.
func (a *alignedSigner) Sign(msg []byte) ([]byte, bool, error) {
	if a.inner == nil {
		return nil, false, errUnaligned
	}
	fields, signed, err := a.inner.Sign(msg)
	switch {
	case err != nil || signed:
		return fields, signed, err
	case a.allowESP && len(fields) > 0:
		return fields, false, nil
	}
	return nil, false, errUnaligned
}

// FieldsLen implements Signer.
func (a *alignedSigner) FieldsLen() int {
	if a.inner == nil {
		return 0
	}
	return a.inner.FieldsLen()
}

// unsignedRefusal is the reply for a signing error that is a
// RequireAligned refusal (counted as "unsigned"), nil for any other.
func (s *Session) unsignedRefusal(id queue.ID, err error) *smtp.SMTPError {
	if !errors.Is(err, errUnaligned) {
		return nil
	}
	s.b.log.Warn("message refused: no aligned DKIM signature", "msgid", id.String(), "tenant", s.tenant.Name)
	s.b.reject("unsigned")
	return errUnsigned
}
