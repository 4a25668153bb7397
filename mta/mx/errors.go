package mx

import "errors"

// Permanent lookup failures: retrying will not make the domain deliverable,
// so a message to it should bounce.
var (
	// ErrNoSuchDomain reports an NXDOMAIN answer: the name does not exist.
	ErrNoSuchDomain = errors.New("mx: no such domain")
	// ErrNullMX reports a null MX (RFC 7505 §3): the domain declares that it
	// accepts no mail.
	ErrNullMX = errors.New("mx: domain accepts no mail (null MX)")
	// ErrNoAddress reports a name that exists but has no usable records:
	// neither MX nor A/AAAA for [Resolver.LookupMX] (RFC 5321 §5.1 leaves
	// nothing to deliver to), no A/AAAA for [Resolver.LookupHost].
	ErrNoAddress = errors.New("mx: no address records")
	// ErrInvalidDomain reports a name that cannot be queried: empty, too
	// long, bad characters, or not ASCII (IDNA is unsupported, see the
	// package doc).
	ErrInvalidDomain = errors.New("mx: invalid domain name")
)

// Temporary lookup failures: the DNS may answer differently later, so a
// message should be deferred. Timeouts and network errors are wrapped as they
// come from the network and are temporary too.
var (
	// ErrServerFailure reports an answer with an rcode other than NOERROR
	// and NXDOMAIN (SERVFAIL, REFUSED…) from every server tried.
	ErrServerFailure = errors.New("mx: name server failure")
	// ErrBadResponse reports an answer that does not match the question or a
	// referral from a server that does not recurse.
	ErrBadResponse = errors.New("mx: bad response")
	// ErrCNAMEChain reports a CNAME chain longer than the resolver follows,
	// most likely a loop. It is treated as temporary: a broken zone is
	// usually fixed within a queue lifetime.
	ErrCNAMEChain = errors.New("mx: CNAME chain too long")
)

// ErrNoServers reports a configuration without any name server.
var ErrNoServers = errors.New("mx: no name servers")

// errNoData marks a cached NOERROR answer without records of the asked
// type. It never leaves the package: LookupMX turns it into an implicit MX
// and LookupHost into ErrNoAddress.
var errNoData = errors.New("mx: no records of this type")

// IsPermanent reports whether err holds one of this package's permanent
// lookup answers (NXDOMAIN, null MX, no MX and no address, an invalid
// name), wherever it is wrapped. Every other error, including ones this
// package does not know, is not. It classifies DNS answers only: whether a
// delivery bounces is decided by sluice/mta/outbound.IsPermanent, which
// asks this function for DNS errors and documents the rule for every
// other kind.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrNoSuchDomain) ||
		errors.Is(err, ErrNullMX) ||
		errors.Is(err, ErrNoAddress) ||
		errors.Is(err, ErrInvalidDomain)
}
