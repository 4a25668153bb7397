package events

import (
	"encoding/binary"

	"sluice/tracking/internal/binrec"
)

// A delivery outcome (delivered, deferred, failed) carries how its
// session was secured, so that a tenant can see which of its mail went in
// clear and which policy kept some of it back: whether TLS was used and
// the certificate verified, the TLS version and cipher suite, the
// transport security policy that applied (opportunistic, MTA-STS, DANE…)
// and its verdict as a TLS-RPT result type (RFC 8460 §4.3).

// TLS is the transport of one delivery attempt; the zero value is "not
// known" (events of other kinds, attempts that reached no server, records
// written before TLS was kept).
type TLS struct {
	// Used: the session ran over TLS (STARTTLS, RFC 3207).
	Used bool
	// Verified: the receiver's certificate was verified (WebPKI, MTA-STS
	// or DANE), not merely used.
	Verified bool
	// Version and Cipher are crypto/tls's numbers for the TLS version
	// (tls.VersionTLS13) and cipher suite; 0 when unknown.
	Version, Cipher uint16
	// Policy names the transport security policy: "opportunistic",
	// "require", "verify", "mta-sts enforce", "mta-sts testing", "dane",
	// "exempt" (a TLS report); "" without policies.
	Policy string
	// Result is the policy's verdict as a TLS-RPT result type: "success",
	// "starttls-not-supported", "certificate-host-mismatch",
	// "tlsa-invalid", …; "" without policies.
	Result string
}

// maxTLSName bounds TLS.Policy and TLS.Result: every name they take is
// far shorter ("certificate-host-mismatch" is the longest result type).
const maxTLSName = 32

// SetTLS records t on ev, a delivery outcome. Its strings are bounded when
// the event is stored.
func (ev *Event) SetTLS(t TLS) { ev.TLS = t }

// normalizeTLS bounds the TLS part's strings, which come from this
// process but travel to a tenant's CRM: no control characters there.
func (ev *Event) normalizeTLS() {
	ev.TLS.Policy = CleanText(ev.TLS.Policy, maxTLSName)
	ev.TLS.Result = CleanText(ev.TLS.Result, maxTLSName)
}

// The TLS part of a record (version 3), there exactly when flags has
// flagTLS:
//
//	bits (1: used, verified) | version (uvarint) | cipher (uvarint) | policy | result
const (
	tlsUsed     = 1 << 0
	tlsVerified = 1 << 1
)

// appendTLS appends the TLS part of ev's record.
func appendTLS(rec []byte, t *TLS) []byte {
	var bits byte
	if t.Used {
		bits |= tlsUsed
	}
	if t.Verified {
		bits |= tlsVerified
	}
	rec = append(rec, bits)
	rec = binary.AppendUvarint(rec, uint64(t.Version))
	rec = binary.AppendUvarint(rec, uint64(t.Cipher))
	rec = binrec.AppendString(rec, t.Policy)
	return binrec.AppendString(rec, t.Result)
}

// readTLS reads the TLS part of a record; r.Bad reports a damaged one
// (unknown bits and numbers over 16 bits included).
func readTLS(r *binrec.Reader, t *TLS) {
	bits := r.Byte()
	t.Used, t.Verified = bits&tlsUsed != 0, bits&tlsVerified != 0
	v, c := r.Uvarint(), r.Uvarint()
	t.Version, t.Cipher = uint16(v), uint16(c)
	t.Policy = r.Str()
	t.Result = r.Str()
	if bits&^(tlsUsed|tlsVerified) != 0 || v > 0xFFFF || c > 0xFFFF {
		r.Bad = true
	}
}
