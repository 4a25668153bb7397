package tlspolicy

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// TLSA certificate usages, selectors and matching types (RFC 6698 §2.1,
// RFC 7218 names).
const (
	UsagePKIXTA  = 0 // unusable for SMTP (RFC 7672 §3.1.3)
	UsagePKIXEE  = 1 // unusable for SMTP (RFC 7672 §3.1.3)
	UsageDANETA  = 2
	UsageDANEEE  = 3
	SelectorCert = 0
	SelectorSPKI = 1
	MatchFull    = 0
	MatchSHA256  = 1
	MatchSHA512  = 2
)

// TLSA is one usable TLSA record.
type TLSA struct {
	Usage, Selector, Matching uint8
	Data                      []byte
}

// usableTLSA keeps the records RFC 7672 lets an SMTP client use: usages
// DANE-TA(2) and DANE-EE(3) (§3.1.3: PKIX-TA and PKIX-EE are unusable),
// known selectors and matching types, and digests of the right length.
func usableTLSA(rrs []dns.RR) []TLSA {
	var out []TLSA
	for _, rr := range rrs {
		t, ok := rr.(*dns.TLSA)
		if !ok || (t.Usage != UsageDANETA && t.Usage != UsageDANEEE) || t.Selector > SelectorSPKI {
			continue
		}
		data, err := hex.DecodeString(t.Certificate)
		if err != nil {
			continue
		}
		switch {
		case t.MatchingType == MatchFull && len(data) > 0,
			t.MatchingType == MatchSHA256 && len(data) == sha256.Size,
			t.MatchingType == MatchSHA512 && len(data) == sha512.Size:
			out = append(out, TLSA{Usage: t.Usage, Selector: t.Selector, Matching: t.MatchingType, Data: data})
		}
	}
	return out
}

// matches reports whether cert matches the record's selector and matching
// type (RFC 6698 §2.1.2, §2.1.3).
func (t TLSA) matches(cert *x509.Certificate) bool {
	sel := cert.Raw
	if t.Selector == SelectorSPKI {
		sel = cert.RawSubjectPublicKeyInfo
	}
	switch t.Matching {
	case MatchFull:
		return bytes.Equal(sel, t.Data)
	case MatchSHA256:
		d := sha256.Sum256(sel)
		return bytes.Equal(d[:], t.Data)
	case MatchSHA512:
		d := sha512.Sum512(sel)
		return bytes.Equal(d[:], t.Data)
	}
	return false
}

// daneVerify returns the Verify function of a DANE policy for records
// (RFC 7672 §3.1). A session is authenticated when any record matches:
//   - DANE-EE(3) matches the server's own certificate, whatever its names
//     and dates (§3.1.1);
//   - DANE-TA(2) matches a certificate of the presented chain (or, with
//     selector 0 and full data, is the trust anchor itself), and the leaf
//     chains to it, valid at now(), for one of the reference identifiers
//     names: the MX host first, then the next-hop domain (§3.2.2).
func daneVerify(records []TLSA, names []string, now func() time.Time) func(string, tls.ConnectionState) error {
	return func(host string, cs tls.ConnectionState) error {
		host = strings.TrimSuffix(host, ".")
		fail := func(t ResultType, err error) error {
			return &VerifyError{Policy: "dane", Type: t, Host: host, Err: err}
		}
		if len(cs.PeerCertificates) == 0 {
			return fail(ResultValidationFailure, errors.New("no certificate"))
		}
		leaf := cs.PeerCertificates[0]
		var taErr error
		for _, r := range records {
			switch r.Usage {
			case UsageDANEEE:
				if r.matches(leaf) {
					return nil
				}
			case UsageDANETA:
				err := verifyTA(r, cs.PeerCertificates, names, now())
				if err == nil {
					return nil
				}
				if taErr == nil {
					taErr = err
				}
			}
		}
		if taErr != nil {
			return fail(x509Type(taErr, ResultTLSAInvalid), taErr)
		}
		return fail(ResultTLSAInvalid, nil)
	}
}

// verifyTA checks chain against one DANE-TA record: some certificate of
// the chain (or the record itself, when it holds a whole certificate) is
// the trust anchor, and the leaf verifies up to it for one of names.
func verifyTA(r TLSA, chain []*x509.Certificate, names []string, now time.Time) error {
	roots := x509.NewCertPool()
	found := false
	for _, c := range chain[1:] {
		if r.matches(c) {
			roots.AddCert(c)
			found = true
		}
	}
	if r.Selector == SelectorCert && r.Matching == MatchFull {
		if c, err := x509.ParseCertificate(r.Data); err == nil {
			roots.AddCert(c)
			found = true
		}
	}
	if !found {
		return errors.New("no certificate of the chain matches the DANE-TA record")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	var first error
	for _, name := range names {
		_, err := chain[0].Verify(x509.VerifyOptions{
			Roots: roots, Intermediates: inter, DNSName: name, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// String renders the record in presentation format ("3 1 1 <hex>"), the
// policy-string of a TLS report (RFC 8460 §4.4).
func (t TLSA) String() string {
	return fmt.Sprintf("%d %d %d %X", t.Usage, t.Selector, t.Matching, t.Data)
}
