package tracking

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectLocation: no destination makes the edge panic or redirect to
// anything but an absolute http(s) URL made only of printable ASCII, and
// what is redirected to differs from the destination only by escapes.
func FuzzRedirectLocation(f *testing.F) {
	for _, s := range []string{
		"https://shop.example/sale?q=1#top", "https://bücher.example/ü?ä=ö#ß", "javascript:alert(1)",
		"https://a.example/50%", "//evil.example", "https://user:pw@[::1]:8/x", "http://a.example/a b\tc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dest string) {
		loc, ok := redirectLocation(dest)
		if !ok {
			return
		}
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' {
				t.Fatalf("Location %q has byte %#x", loc, c)
			}
		}
		u, err := url.Parse(loc)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("Location %q: %v %+v", loc, err, u)
		}
		if !strings.HasPrefix(strings.ToLower(dest), u.Scheme+":") {
			t.Fatalf("scheme of %q changed: %q", dest, loc)
		}
		if back, err := url.PathUnescape(loc); err == nil && !strings.Contains(dest, "%") && back != dest {
			t.Fatalf("%q redirected as %q, unescaped %q", dest, loc, back)
		}
	})
}

// FuzzClientAddress: no X-Forwarded-For value or address makes the parsing,
// truncation or masking panic, and a truncated address is a network.
func FuzzClientAddress(f *testing.F) {
	f.Add("198.51.100.7, 10.0.0.1", "jane@example.com")
	f.Add("[2001:db8::1]:443,,garbage", "@")
	f.Add("::ffff:1.2.3.4", "\xff@\xfe")
	trusted := newPrefixSet([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	e := &Edge{cfg: Config{IPMode: IPTruncate, IPv4Bits: 24, IPv6Bits: 48}}
	f.Fuzz(func(t *testing.T, xff, addr string) {
		a := forwardedFor([]byte(xff), netip.MustParseAddr("10.1.1.1"), trusted)
		if s := e.recordedIP(a); s != "" {
			p, err := netip.ParsePrefix(s)
			if err != nil || p.Masked() != p {
				t.Fatalf("recorded %q for %s", s, a)
			}
		}
		if m := maskAddr(addr); strings.Count(m, "***") == 0 {
			t.Fatalf("maskAddr(%q) = %q", addr, m)
		}
	})
}
