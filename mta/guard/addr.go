package guard

import (
	"fmt"
	"net"
	"net/netip"
)

// defaultIPv6Prefix groups IPv6 clients by /64: one subscriber or host
// usually owns a whole /64 and can use any address in it.
const defaultIPv6Prefix = 64

// grouper maps a client address to the key its caps are counted on.
type grouper struct{ v6bits int }

func newGrouper(bits int) (grouper, error) {
	if bits == 0 {
		bits = defaultIPv6Prefix
	}
	if bits < 1 || bits > 128 {
		return grouper{}, fmt.Errorf("guard: IPv6 prefix /%d out of range 1..128", bits)
	}
	return grouper{v6bits: bits}, nil
}

// key returns the group of a: the address itself for IPv4 (and
// IPv4-mapped IPv6), its /v6bits prefix for IPv6. The invalid address
// (a peer that is not IP, e.g. a unix socket) is its own group.
func (g grouper) key(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return netip.Prefix{}
	}
	bits := 32
	if a.Is6() {
		bits = g.v6bits
	}
	p, _ := a.Prefix(bits) // cannot fail: bits is in range for the family
	return p
}

// inAny reports whether a is in one of ps.
func inAny(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrOf returns the IP address of a net.Addr (TCP or UDP), unmapped, or
// the invalid address.
func addrOf(a net.Addr) netip.Addr {
	switch v := a.(type) {
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(v.IP)
		return ip.Unmap()
	case nil:
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
