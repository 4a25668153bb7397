package inbound

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
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
		if p, ok := a.match(d, from); ok {
			return p.entry, ""
		}
		reason = "dkim d=" + d + " is not a configured fbl provider for From " + from
	}
	return "", reason
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
func singleFrom(raw []byte) (string, error) {
	hdr, _ := splitEntity(raw)
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
