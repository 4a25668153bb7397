package tenants

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Errors of the store; the admin API maps them to HTTP statuses.
var (
	ErrInvalid  = errors.New("tenants: invalid")
	ErrExists   = errors.New("tenants: already exists")
	ErrNotFound = errors.New("tenants: not found")
	ErrClaimed  = errors.New("tenants: domain claimed by another tenant")
	ErrSeed     = errors.New("tenants: defined in the config file (read-only)")
)

// maxNameLen bounds a tenant name: it appears in usernames, metrics labels
// and keys of other stores.
const maxNameLen = 64

// ValidName checks a tenant name: 1 to 64 bytes of lower-case letters,
// digits, '-' and '_', starting with a letter or digit. It is an
// identifier, not a display name, so nothing else is allowed (no '.',
// which separates it from a credential's id in a username).
func ValidName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%w: tenant name must be 1 to %d bytes", ErrInvalid, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return fmt.Errorf("%w: tenant name %q: only a-z, 0-9, '-' and '_' (not first)", ErrInvalid, name)
		}
	}
	return nil
}

// profile converts a sending domain to its ASCII (A-label) form under
// IDNA2008's registration rules (RFC 5891 §4): what a registry would have
// accepted, so what can really be someone's domain.
var profile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.ValidateLabels(true),
	idna.StrictDomainName(true), idna.VerifyDNSLength(true))

// NormalizeDomain checks a sending domain and returns it lower-case in
// ASCII (A-labels): at least two labels, each 1 to 63 octets of letters,
// digits and inner hyphens (RFC 1035 §2.3.1, RFC 5890), 253 octets in all
// (RFC 1035 §2.3.4; one trailing dot is dropped); no wildcard, no
// underscore, no address literal, no all-numeric top label.
func NormalizeDomain(d string) (string, error) {
	in := strings.TrimSuffix(d, ".")
	if in == "" || len(in) > 253*4 { // bound the work before IDNA
		return "", fmt.Errorf("%w: domain %q: empty or too long", ErrInvalid, clip(d))
	}
	if strings.ContainsAny(in, "*@ _[]:") {
		return "", fmt.Errorf("%w: domain %q: wildcards, addresses and literals are not sending domains", ErrInvalid, clip(d))
	}
	if !utf8.ValidString(in) {
		return "", fmt.Errorf("%w: domain %q: not UTF-8", ErrInvalid, clip(d))
	}
	a, err := profile.ToASCII(in)
	if err == nil {
		// A-labels given as such must decode to valid U-labels: the
		// result must pass again unchanged.
		var again string
		if again, err = profile.ToASCII(a); err == nil && again != a {
			err = fmt.Errorf("not stable under IDNA (%q)", clip(again))
		}
	}
	if err != nil {
		return "", fmt.Errorf("%w: domain %q: %v", ErrInvalid, clip(d), err)
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", fmt.Errorf("%w: domain %q: longer than 253 octets", ErrInvalid, clip(d))
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%w: domain %q: needs at least two labels", ErrInvalid, clip(d))
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("%w: domain %q: bad label %q", ErrInvalid, clip(d), clip(l))
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "", fmt.Errorf("%w: domain %q: character %q", ErrInvalid, clip(d), c)
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return "", fmt.Errorf("%w: domain %q: numeric top-level label", ErrInvalid, clip(d))
	}
	return a, nil
}

// clip bounds what an error echoes of hostile input.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
