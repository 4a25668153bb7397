package webhook

import (
	"crypto/tls"
	"encoding/binary"

	"sluice/tracking/events"
	"sluice/tracking/internal/binrec"
)

// The TLS part of an outbox record (version 3), there exactly when flags
// has flagTLS, as in the events store's records (events.TLS):
//
//	bits (1: used, verified) | version (uvarint) | cipher (uvarint) | policy | result
const (
	tlsUsed     = 1 << 0
	tlsVerified = 1 << 1
)

// appendTLS appends the TLS part of a record.
func appendTLS(rec []byte, t *events.TLS) []byte {
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

// readTLS reads the TLS part of a record; r.Bad reports a damaged one.
func readTLS(r *binrec.Reader, t *events.TLS) {
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

// setTLS fills the payload's TLS fields from t, when known.
func (out *Event) setTLS(t *events.TLS) {
	if *t == (events.TLS{}) {
		return
	}
	used := t.Used
	out.TLS = &used
	out.TLSVerified = t.Verified
	if t.Version != 0 {
		out.TLSVersion = tls.VersionName(t.Version)
	}
	if t.Cipher != 0 {
		out.TLSCipher = tls.CipherSuiteName(t.Cipher)
	}
	out.TLSPolicy, out.TLSResult = t.Policy, t.Result
}
