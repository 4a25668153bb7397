// Package mx resolves where mail for a domain goes: the MX hosts of a
// recipient domain and the addresses of those hosts, for outbound delivery.
//
// It implements the lookup rules of RFC 5321 §5.1 (MX records sorted by
// preference, ties broken randomly, the implicit MX when a domain has none but
// has an address record, CNAMEs followed), the null MX of RFC 7505 (a single
// MX "." means the domain accepts no mail), negative caching after RFC 2308
// §5 and TCP fallback on truncation after RFC 7766 §5. Queries go to the
// configured recursive resolvers over UDP with EDNS0 (RFC 6891) using
// github.com/miekg/dns.
//
// A [Resolver] caches answers for their TTL (clamped to configured bounds),
// coalesces concurrent lookups of the same name and is safe for concurrent
// use. [IsPermanent] tells this package's permanent answers (no such
// domain, null MX, no address) from temporary ones; mta/outbound's
// IsPermanent, which asks it about DNS errors, decides bounce or retry.
//
// Internationalized domain names must be given as A-labels ("xn--…"):
// golang.org/x/net/idna needs golang.org/x/text, which the module does not
// require, so U-labels are rejected with [ErrInvalidDomain].
package mx
