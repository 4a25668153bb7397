package mx

import (
	"fmt"
	"net/netip"
	"strings"
)

// maxNameLen is the longest textual domain name without the trailing dot
// (RFC 1035 §2.3.4: 255 octets on the wire).
const maxNameLen = 253

// normalize returns domain in the form used for queries and cache keys:
// lower case, without a trailing dot. It accepts letters, digits, '-' and
// '_' in labels of 1 to 63 octets. Non-ASCII names are rejected: the IDNA
// mapping needs golang.org/x/text, which the module does not require, so
// callers must pass A-labels ("xn--…").
func normalize(domain string) (string, error) {
	name := strings.TrimSuffix(domain, ".")
	if name == "" || len(name) > maxNameLen {
		return "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
	}
	upper := false
	label := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			if label == 0 {
				return "", fmt.Errorf("%w: %q has an empty label", ErrInvalidDomain, domain)
			}
			label = 0
			continue
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case 'A' <= c && c <= 'Z':
			upper = true
		case c >= 0x80:
			return "", fmt.Errorf("%w: %q is not ASCII (pass IDNs as xn-- A-labels)", ErrInvalidDomain, domain)
		default:
			return "", fmt.Errorf("%w: %q contains %q", ErrInvalidDomain, domain, c)
		}
		label++
		if label > 63 {
			return "", fmt.Errorf("%w: %q has a label over 63 octets", ErrInvalidDomain, domain)
		}
	}
	if label == 0 {
		return "", fmt.Errorf("%w: %q has an empty label", ErrInvalidDomain, domain)
	}
	if upper {
		name = strings.ToLower(name)
	}
	return name, nil
}

// parseIPLiteral recognises an address given instead of a host name: a bare
// IPv4 or IPv6 address, or an RFC 5321 §4.1.3 address literal
// ("[192.0.2.1]", "[IPv6:2001:db8::1]"). Zones are refused: a mail host is
// never link-local.
func parseIPLiteral(host string) (netip.Addr, bool) {
	if !strings.ContainsAny(host, "[:") && strings.Trim(host, "0123456789.") != "" {
		// A host name: skip netip's parse, whose error allocates.
		return netip.Addr{}, false
	}
	s := host
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
		if len(s) > 5 && strings.EqualFold(s[:5], "IPv6:") {
			s = s[5:]
			a, err := netip.ParseAddr(s)
			if err != nil || !a.Is6() || a.Zone() != "" {
				return netip.Addr{}, false
			}
			return a, true
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
