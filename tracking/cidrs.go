package tracking

import (
	"bufio"
	"bytes"
	_ "embed" // the default Apple ranges
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
)

//go:embed data/apple-egress.txt
var appleEgress []byte

// DefaultAppleCIDRs returns the shipped list of Apple ranges used by Mail
// Privacy Protection (data/apple-egress.txt: Apple's own allocations).
// The complete list is Apple's published egress-ip-ranges.csv; see
// LoadCIDRs.
func DefaultAppleCIDRs() []netip.Prefix {
	ps, err := ParseCIDRs(bytes.NewReader(appleEgress))
	if err != nil { // the embedded file is checked by the tests
		return nil
	}
	return ps
}

// LoadCIDRs reads a list of prefixes from the file at path; see ParseCIDRs
// for the format.
func LoadCIDRs(path string) ([]netip.Prefix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tracking: %w", err)
	}
	defer f.Close()
	ps, err := ParseCIDRs(f)
	if err != nil {
		return nil, fmt.Errorf("tracking: %s: %w", path, err)
	}
	return ps, nil
}

// ParseCIDRs reads one prefix ("17.0.0.0/8", "2620:149::/32") or address
// per line. Anything after the first comma is ignored, so Apple's
// egress-ip-ranges.csv ("prefix,country,region,city,") is read as it is;
// blank lines and lines starting with "#" are skipped. Host bits are
// cleared.
func ParseCIDRs(r io.Reader) ([]netip.Prefix, error) {
	var out []netip.Prefix
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if i := bytes.IndexByte(line, ','); i >= 0 {
			line = line[:i]
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		p, err := netip.ParsePrefix(string(line))
		if err != nil {
			a, aerr := netip.ParseAddr(string(line))
			if aerr != nil {
				return nil, fmt.Errorf("line %d: %q is not a prefix", n, line)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// prefixSet answers "is this address in any of these prefixes" in
// O(log n), so that Apple's full egress list (hundreds of thousands of
// ranges) costs no more per request than a short list.
type prefixSet struct {
	ranges []addrRange // sorted by lo, disjoint
}

type addrRange struct{ lo, hi netip.Addr }

func newPrefixSet(ps []netip.Prefix) prefixSet {
	rs := make([]addrRange, 0, len(ps))
	for _, p := range ps {
		if !p.IsValid() {
			continue
		}
		p = p.Masked()
		if p.Addr().Is4In6() && p.Bits() >= 96 { // ::ffff:a.b.c.d/n is an IPv4 prefix
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		rs = append(rs, addrRange{p.Addr(), lastAddr(p)})
	}
	slices.SortFunc(rs, func(a, b addrRange) int { return a.lo.Compare(b.lo) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo.Compare(out[n-1].hi) <= 0 {
			if r.hi.Compare(out[n-1].hi) > 0 {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return prefixSet{ranges: out}
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		for i := p.Bits(); i < 32; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(b).WithZone(a.Zone())
}

// contains reports whether a is in the set.
func (s prefixSet) contains(a netip.Addr) bool {
	if !a.IsValid() || len(s.ranges) == 0 {
		return false
	}
	a = a.Unmap().WithZone("")
	// The first range whose lo is above a; the one before may hold a.
	i, _ := slices.BinarySearchFunc(s.ranges, a, func(r addrRange, a netip.Addr) int {
		if r.lo.Compare(a) <= 0 {
			return -1
		}
		return 1
	})
	return i > 0 && a.Compare(s.ranges[i-1].hi) <= 0
}

// empty reports whether the set has no ranges.
func (s prefixSet) empty() bool { return len(s.ranges) == 0 }
