package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// TXTResolver looks up DNS TXT records; *net.Resolver implements it. The
// DKIM verifier fetches public keys through it (RFC 6376 §3.6.2).
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// FBLAuth decides whether a feedback report comes from a configured
// feedback-loop provider: it must carry a DKIM signature (RFC 6376) that
// verifies, over the whole body (go-msgauth refuses l=) and over the one
// From field, by a signer the operator listed. Such a provider vouches for
// who complained, so the report may be attributed by the message id and
// the address it names, which anybody could otherwise forge.
//
// Each configured entry is either
//   - a domain ("fbl.example.net"): the signature's d= is that domain or a
//     subdomain of it, and the report's From domain is d= or a subdomain of
//     it (relaxed alignment, RFC 7489 §3.1.1); or
//   - an address ("feedback@arf.mail.example.com"): the report's From is
//     that address, and d= is its domain or a parent domain of it (not a
//     top-level domain).
//
// A domain entry trusts everything its signer signs. For a mailbox provider
// whose users send mail signed with the same d= (a consumer webmail), any
// user could send a signed forgery: list the address the provider's
// feedback loop sends from instead.
type FBLAuth struct {
	providers []fblProvider
	resolver  TXTResolver
	timeout   time.Duration
}

type fblProvider struct {
	entry  string // as configured, for logs
	domain string // lowercase, no trailing dot
	addr   string // lowercase local@domain, or "" for a domain entry
}

// maxDKIMSignatures bounds the signatures verified in one report (each
// may cost a DNS lookup and an RSA verification).
const maxDKIMSignatures = 4

// maxReportHeader bounds the header section of a report that is
// DKIM-verified. go-msgauth v0.7.0 (dkim/header.go readHeader) unfolds a
// field by string concatenation, quadratic in its folded lines; 64 KiB
// costs it under 0.1 s, and real reports' headers are a few KiB.
const maxReportHeader = 64 << 10

// defaultDKIMTimeout bounds the key lookups of one report.
const defaultDKIMTimeout = 15 * time.Second

// NewFBLAuth checks the provider entries and returns the authenticator;
// the error names the first bad entry. With no entries it authenticates
// nothing. timeout bounds the DNS lookups of one report (0: 15 s).
func NewFBLAuth(providers []string, r TXTResolver, timeout time.Duration) (*FBLAuth, error) {
	a := &FBLAuth{resolver: r, timeout: timeout}
	if a.timeout <= 0 {
		a.timeout = defaultDKIMTimeout
	}
	for _, e := range providers {
		p, err := parseProvider(e)
		if err != nil {
			return nil, err
		}
		a.providers = append(a.providers, p)
	}
	if len(a.providers) > 0 && r == nil {
		return nil, fmt.Errorf("inbound: fbl providers configured without a DNS resolver")
	}
	return a, nil
}

// parseProvider reads one entry: a domain or an address.
func parseProvider(e string) (fblProvider, error) {
	s := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(e), "."))
	p := fblProvider{entry: e, domain: s}
	if local, dom, ok := strings.Cut(s, "@"); ok {
		if local == "" || strings.ContainsAny(local, " <>\"") {
			return p, fmt.Errorf("inbound: fbl provider %q: not an address", e)
		}
		p.domain, p.addr = dom, s
	}
	if !validDomain(p.domain) || !strings.Contains(p.domain, ".") {
		return p, fmt.Errorf("inbound: fbl provider %q: want a domain with at least two labels, or an address in one", e)
	}
	return p, nil
}

// validDomain accepts LDH labels (RFC 1035 §2.3.1) of 1–63 octets.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// within reports whether d is parent or a subdomain of it.
func within(d, parent string) bool {
	return d == parent || strings.HasSuffix(d, "."+parent)
}

// Authenticate returns the configured entry that vouches for raw, or ""
// with the reason it is not vouched for. DNS failures count as no proof.
func (a *FBLAuth) Authenticate(ctx context.Context, raw []byte) (provider, reason string) {
	if a == nil || len(a.providers) == 0 {
		return "", "no fbl providers configured"
	}
	from, err := singleFrom(raw)
	if err != nil {
		return "", err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		MaxVerifications: maxDKIMSignatures,
		LookupTXT: func(name string) ([]string, error) {
			// Only a configured provider's key is worth a lookup: any
			// other d= could not vouch, and a stranger's slow DNS
			// would cost the worker the whole timeout.
			if !a.mayLookUp(name) {
				return nil, errNotProvider
			}
			return a.resolver.LookupTXT(ctx, name)
		},
	})
	if err != nil && len(vs) == 0 {
		return "", "dkim: " + err.Error()
	}
	reason = "no dkim signature"
	for _, v := range vs {
		if v.Err != nil {
			reason = "dkim " + v.Domain + ": " + v.Err.Error()
			continue
		}
		d := strings.ToLower(strings.TrimSuffix(v.Domain, "."))
		p, ok := a.match(d, from)
		if !ok {
			reason = "dkim d=" + d + " is not a configured fbl provider for From " + from
			continue
		}
		// The report's structure (which part is the provider's
		// Source-IP, which the returned copy) comes from its one
		// Content-Type field: unsigned, a forwarder could prepend
		// another (readers take the first, DKIM the last, RFC 6376
		// §5.4.2) and reshape the signed body into parts of its own.
		if !slices.ContainsFunc(v.HeaderKeys, func(k string) bool { return strings.EqualFold(strings.TrimSpace(k), "content-type") }) {
			reason = "dkim d=" + d + " does not sign the Content-Type field"
			continue
		}
		return p.entry, ""
	}
	return "", reason
}

// errNotProvider refuses a DKIM key lookup outside the configured
// providers' domains.
var errNotProvider = errors.New("inbound: not a configured fbl provider's domain")

// mayLookUp reports whether name, a DKIM key record
// <selector>._domainkey.<d> (RFC 6376 §3.6.2.1), is under a d= that could
// vouch for a report: within a domain entry, or an address entry's domain
// or one of its parents (not a top-level domain).
func (a *FBLAuth) mayLookUp(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	i := strings.LastIndex(name, "._domainkey.")
	if i < 0 {
		return false
	}
	d := name[i+len("._domainkey."):]
	for _, p := range a.providers {
		if p.addr == "" && within(d, p.domain) || p.addr != "" && within(p.domain, d) && strings.Contains(d, ".") {
			return true
		}
	}
	return false
}

// match finds the entry that a valid signature by d on a report from the
// address from satisfies.
func (a *FBLAuth) match(d, from string) (fblProvider, bool) {
	_, fromDomain, _ := strings.Cut(from, "@")
	for _, p := range a.providers {
		if p.addr == "" {
			if within(d, p.domain) && within(fromDomain, d) {
				return p, true
			}
			continue
		}
		if from == p.addr && within(p.domain, d) && strings.Contains(d, ".") {
			return p, true
		}
	}
	return fblProvider{}, false
}

// singleFrom returns the lowercase address of the report's one From field
// (RFC 5322 §3.6.2). Two From fields are refused: DKIM signs the last one
// (RFC 6376 §5.4.2) while readers show the first.
//
// A header section over maxReportHeader is refused before anything else
// reads it: the DKIM verifier would parse it next, and its parser is
// quadratic in a field's folded lines.
func singleFrom(raw []byte) (string, error) {
	hdr, _ := splitEntity(raw)
	if len(hdr) > maxReportHeader {
		return "", fmt.Errorf("header section of %d bytes, over %d", len(hdr), maxReportHeader)
	}
	var froms []string
	for _, f := range headerFields(hdr) {
		if f.name == "from" {
			froms = append(froms, f.value)
		}
	}
	if len(froms) != 1 {
		return "", fmt.Errorf("%d From fields, want 1", len(froms))
	}
	a, err := mail.ParseAddress(froms[0])
	if err != nil {
		return "", fmt.Errorf("parsing the From field: %w", err)
	}
	return strings.ToLower(a.Address), nil
}
