package mx

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// LookupTXT returns the TXT records of name, each record's character
// strings joined into one (how DKIM key records, RFC 6376 §3.6.2.2, and
// SPF, RFC 7208 §3.3, read them), through the same servers, cache and
// CNAME handling as LookupMX. Unlike host names, TXT owner names may hold
// underscores (`sel._domainkey.example.com`), so name is only lower-cased.
// A name with no TXT records gives [ErrNoSuchDomain] or a no-data error;
// temporary failures are not cached.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" || len(name) > 253 || strings.ContainsAny(name, " \t\r\n") {
		return nil, fmt.Errorf("mx: lookup txt %q: %w", name, ErrInvalidDomain)
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return nil, fmt.Errorf("mx: lookup txt %q: %w", name, ErrInvalidDomain)
	}
	a, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, fmt.Errorf("mx: lookup txt %s: %w", name, err)
	}
	if a.err != nil {
		return nil, fmt.Errorf("mx: lookup txt %s: %w", name, a.err)
	}
	if len(a.txts) == 0 { // MX or address records only: no TXT here
		return nil, fmt.Errorf("mx: lookup txt %s: %w", name, errNoData)
	}
	return append([]string(nil), a.txts...), nil
}
