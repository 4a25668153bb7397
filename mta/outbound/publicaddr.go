package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// nonPublic are the IPv4 and IPv6 ranges that name no host on the public
// Internet beyond what netip's predicates cover (RFC 6890's special-purpose
// registries): shared address space (CGNAT), IETF protocol assignments,
// benchmarking, documentation, "this network", reserved, and the IPv6
// translation, discard, ORCHID and documentation prefixes.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (RFC 791)
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved (RFC 1112), broadcast included
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 (RFC 6052): an IPv4 behind it may be private
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64 (RFC 8215)
	netip.MustParsePrefix("100::/64"),        // discard-only (RFC 6666)
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (RFC 2928), Teredo included
	netip.MustParsePrefix("2001:db8::/32"),   // documentation (RFC 3849)
	netip.MustParsePrefix("2002::/16"),       // 6to4 (RFC 3056): an embedded IPv4 may be private
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated, RFC 3879)
}

// PublicAddr reports whether a is an address mail may be delivered to when
// it came from a receiver's DNS (an MX host's A or AAAA record): a global
// unicast address outside the private, shared and special-purpose ranges.
// A domain is the tenant's or a stranger's to point anywhere: an MX record
// aimed at 127.0.0.1, 10.0.0.5 or 169.254.169.254 would make sluice
// connect to port 25 of its own host or network, and the delivery event
// (reply text, MX) would tell the sender what answered there. Routes the
// operator configures are not DNS answers and need no such check.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.Zone() != "" {
		return false // loopback, link-local, multicast, unspecified, RFC 1918, fc00::/7
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// ErrNonPublicAddr is returned (wrapped) by a PublicDialer refusing an
// address.
var ErrNonPublicAddr = errors.New("outbound: address is not public")

// PublicDialer returns a dialer that connects only to public addresses
// (PublicAddr), checked after name resolution on the address actually
// dialled, for connections whose host a stranger names through DNS: the
// MTA-STS policy host (`mta-sts.<domain>`) and TLS-RPT https receivers.
// Without it a domain's owner could make sluice fetch from, or post to,
// its own host or network (127.0.0.1:443, 169.254.169.254).
func PublicDialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrNonPublicAddr, address)
		}
		if !PublicAddr(ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrNonPublicAddr, ap.Addr())
		}
		return nil
	}}
}
