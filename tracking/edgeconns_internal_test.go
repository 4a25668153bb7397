package tracking

import (
	"net"
	"net/netip"
	"testing"
)

// TestConnKey: IPv4 clients count per address, IPv6 ones per /64 (one
// host holds a whole /64: fasthttp's MaxConnsPerIP counts each address),
// v4-mapped as IPv4; a trusted proxy counts for nobody.
func TestConnKey(t *testing.T) {
	t.Parallel()
	e := &Edge{trusted: newPrefixSet([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})}
	key := func(ip string) (netip.Prefix, bool) { return e.connKey(&net.TCPAddr{IP: net.ParseIP(ip), Port: 1}) }
	a1, _ := key("2001:db8:1:2::1")
	a2, _ := key("2001:db8:1:2:ffff:ffff:ffff:ffff")
	b, _ := key("2001:db8:1:3::1")
	if a1 != a2 || a1 == b || a1.Bits() != 64 {
		t.Errorf("IPv6 keys %v %v %v: want one per /64", a1, a2, b)
	}
	v4, _ := key("192.0.2.7")
	mapped, _ := key("::ffff:192.0.2.7")
	if v4 != mapped || v4 != netip.MustParsePrefix("192.0.2.7/32") {
		t.Errorf("IPv4 keys %v %v", v4, mapped)
	}
	if _, ok := key("10.1.2.3"); ok {
		t.Error("a trusted proxy was capped")
	}
	if _, ok := e.connKey(&net.UnixAddr{Name: "x"}); ok {
		t.Error("a non-IP peer was capped")
	}
}
