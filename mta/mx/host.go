package mx

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	"github.com/miekg/dns"
)

// LookupHost returns the addresses of host, IPv4 first then IPv6, each in
// the order the DNS gave them. A and AAAA are asked concurrently and CNAMEs
// followed; answers are cached like MX answers. An IP address, bare or as an
// RFC 5321 §4.1.3 address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]"), is
// returned as is without a query.
//
// If one family fails temporarily while the other has addresses, the
// addresses found are returned; the failed family is asked again on the next
// call since failures are not cached. Permanent errors (see [IsPermanent]):
// [ErrNoSuchDomain], [ErrNoAddress] (the name has neither A nor AAAA),
// [ErrInvalidDomain].
func (r *Resolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, ok := parseIPLiteral(host); ok {
		return []netip.Addr{ip}, nil
	}
	name, err := normalize(host)
	if err != nil {
		return nil, fmt.Errorf("mx: lookup host: %w", err)
	}
	a4, a6, err := r.lookupAddrs(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("mx: lookup host %s: %w", name, err)
	}
	addrs := make([]netip.Addr, 0, len(a4)+len(a6))
	addrs = append(addrs, a4...)
	return append(addrs, a6...), nil
}

// lookupAddrs returns the cached IPv4 and IPv6 addresses of name (shared,
// not to be modified), at least one of them non-empty, or the error that
// explains why there are none.
func (r *Resolver) lookupAddrs(ctx context.Context, name string) (a4, a6 []netip.Addr, err error) {
	k4 := cacheKey{name: name, qtype: dns.TypeA}
	k6 := cacheKey{name: name, qtype: dns.TypeAAAA}
	now := r.cfg.Now()
	ans4, ok4 := r.cache.get(k4, now)
	ans6, ok6 := r.cache.get(k6, now)
	var err4, err6 error
	switch {
	case ok4 && ok6:
	case ok4:
		ans6, err6 = r.query(ctx, name, dns.TypeAAAA)
	case ok6:
		ans4, err4 = r.query(ctx, name, dns.TypeA)
	default:
		ans4, err4, ans6, err6 = r.queryBoth(ctx, name)
	}
	if ans4 != nil {
		a4 = ans4.addrs
	}
	if ans6 != nil {
		a6 = ans6.addrs
	}
	switch {
	case len(a4) > 0 || len(a6) > 0:
		return a4, a6, nil
	case err4 != nil:
		return nil, nil, err4
	case err6 != nil:
		return nil, nil, err6
	case ans4.err == ErrNoSuchDomain && ans6.err == ErrNoSuchDomain:
		return nil, nil, ErrNoSuchDomain
	default:
		return nil, nil, ErrNoAddress
	}
}

// queryBoth asks A and AAAA concurrently. It is apart from lookupAddrs so
// that the variables its goroutine shares escape to the heap only on a cache
// miss.
func (r *Resolver) queryBoth(ctx context.Context, name string) (ans4 *answer, err4 error, ans6 *answer, err6 error) {
	var wg sync.WaitGroup
	wg.Go(func() { ans6, err6 = r.query(ctx, name, dns.TypeAAAA) })
	ans4, err4 = r.query(ctx, name, dns.TypeA)
	wg.Wait()
	return ans4, err4, ans6, err6
}
