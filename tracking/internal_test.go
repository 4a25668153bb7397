package tracking

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"sluice/queue"
	"sluice/tracking/internal/ceiling"
	"sluice/tracking/token"
)

func TestRedirectLocation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"https://a.example/", "https://a.example/"},
		{"https://a.example/p?q=1#f", "https://a.example/p?q=1#f"},
		{"https://a.example/ü", "https://a.example/%C3%BC"},
		{"https://a.example/%zz", "https://a.example/%25zz"},
		{"https://a.example/%", "https://a.example/%25"},
		{"https://a.example/%4", "https://a.example/%254"},
		{"https://a.example/%41", "https://a.example/%41"},
		{"https://a.example/\x7f\x00\t", "https://a.example/%7F%00%09"},
		{"javascript:alert(1)", ""},
		{"//a.example/", ""},
		{"/x", ""},
		{"https:a.example", ""},
		{"ftp://a.example/", ""},
		{"https://", ""},
		{"", ""},
	} {
		got, ok := redirectLocation(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("redirectLocation(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestMaskAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"john@example.com":    "j***@e***.com",
		"a@b.co.uk":           "a***@b***.uk",
		"noat":                "***",
		"@example.com":        "***@e***.com",
		"x@":                  "x***@***",
		"x@example.":          "x***@e***",
		"\xff@\xfe.com":       "***@***.com",
		"\"a b\"@example.com": "\"***@e***.com",
	} {
		if got := maskAddr(in); got != want {
			t.Errorf("maskAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestForwardedFor(t *testing.T) {
	t.Parallel()
	trusted := newPrefixSet([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")})
	peer := netip.MustParseAddr("10.1.1.1")
	for xff, want := range map[string]string{
		"":                                   "10.1.1.1",
		"198.51.100.7":                       "198.51.100.7",
		"198.51.100.7, 10.2.2.2":             "198.51.100.7",
		"6.6.6.6, 198.51.100.7, 10.2.2.2":    "198.51.100.7",
		"198.51.100.7:443":                   "198.51.100.7",
		"[2001:db8::1]:443":                  "2001:db8::1",
		"::ffff:198.51.100.7":                "198.51.100.7",
		"garbage, 10.2.2.2":                  "10.2.2.2",
		"10.3.3.3, fd00::1":                  "10.3.3.3",
		"198.51.100.7,,10.2.2.2":             "10.2.2.2",
		strings.Repeat("10.9.9.9,", 40) + "": "10.1.1.1",
	} {
		if got := forwardedFor([]byte(xff), peer, trusted); got.String() != want {
			t.Errorf("forwardedFor(%q) = %s, want %s", xff, got, want)
		}
	}
}

func TestPrefixSet(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var ps []netip.Prefix
	for range 300 {
		if r.IntN(2) == 0 {
			a := netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
			ps = append(ps, netip.PrefixFrom(a, 4+r.IntN(29)).Masked())
		} else {
			var b [16]byte
			b[0], b[1], b[2] = 0x20, 0x01, byte(r.IntN(4))
			a := netip.AddrFrom16(b)
			ps = append(ps, netip.PrefixFrom(a, 16+r.IntN(100)).Masked())
		}
	}
	ps = append(ps, netip.MustParsePrefix("::ffff:192.0.2.0/120"), netip.MustParsePrefix("203.0.113.5/32"))
	set := newPrefixSet(ps)
	linear := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range ps {
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	check := func(a netip.Addr) {
		if got, want := set.contains(a), linear(a); got != want {
			t.Fatalf("contains(%s) = %v, want %v", a, got, want)
		}
	}
	for range 20000 {
		check(netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}))
		var b [16]byte
		b[0], b[1], b[2], b[3] = 0x20, 0x01, byte(r.IntN(4)), byte(r.IntN(256))
		check(netip.AddrFrom16(b))
	}
	for _, s := range []string{"192.0.2.9", "203.0.113.5", "203.0.113.6", "::ffff:203.0.113.5"} {
		check(netip.MustParseAddr(s))
	}
	if newPrefixSet(nil).contains(netip.MustParseAddr("1.2.3.4")) {
		t.Error("empty set contains an address")
	}
}

func TestParseCIDRs(t *testing.T) {
	t.Parallel()
	// Apple's egress-ip-ranges.csv format, comments, bare addresses.
	in := "# comment\n\n172.224.224.0/27,US,US-CA,Los Angeles,\n2a02:26f7:b3c0:4000::/64,US,US-CA,Los Angeles,\n192.0.2.1\n10.1.2.3/8\n"
	ps, err := ParseCIDRs(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"172.224.224.0/27", "2a02:26f7:b3c0:4000::/64", "192.0.2.1/32", "10.0.0.0/8"}
	if len(ps) != len(want) {
		t.Fatalf("got %v", ps)
	}
	for i := range want {
		if ps[i].String() != want[i] {
			t.Errorf("%d: %s, want %s", i, ps[i], want[i])
		}
	}
	if _, err := ParseCIDRs(strings.NewReader("17.0.0.0/8\nnot a prefix\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
	def := DefaultAppleCIDRs()
	if len(def) == 0 || !newPrefixSet(def).contains(netip.MustParseAddr("17.58.63.10")) {
		t.Errorf("default Apple ranges %v", def)
	}
	if _, err := LoadCIDRs("data/apple-egress.txt"); err != nil {
		t.Error(err)
	}
}

// The burst table holds at most its size in pairs, spreads keys that
// differ in any bits, always has the pair just clicked, and forgets a pair
// whose slot another took (a missed burst, never an invented one).
func TestBurstCacheBounded(t *testing.T) {
	t.Parallel()
	b := newBurstCache(100)
	now := time.Unix(1773500966, 0)
	for i := range 1000 {
		b.click(uint64(i), 0, 0, now, time.Second)
		if !b.click(uint64(i), 0, 1, now, time.Second) {
			t.Fatalf("pair %d forgotten right after its click", i)
		}
	}
	if n := b.len(); n > 100 || n < 90 {
		t.Errorf("%d pairs remembered, want at most 100 (and the table about full)", n)
	}
	// Message ids that differ only in high bits (time-ordered ids do)
	// spread over the table.
	hi := newBurstCache(4096)
	for i := range 100 {
		hi.click(uint64(i)<<40, 7, 0, now, time.Second)
	}
	if n := hi.len(); n < 95 {
		t.Errorf("100 ids differing above bit 40 fill %d slots", n)
	}
	// Two pairs that share a slot: the second replaces the first.
	s0, i0 := b.t.locate(burstKey{message: 0}.hash())
	other := uint64(1)
	for ; ; other++ {
		if s, i := b.t.locate(burstKey{message: other}.hash()); s == s0 && i == i0 {
			break
		}
	}
	b.click(0, 0, 0, now, time.Second)
	b.click(other, 0, 0, now, time.Second)
	if b.click(0, 0, 1, now, time.Second) {
		t.Error("a pair whose slot was taken still reported a burst")
	}
}

// The benchmarks' ceiling (tracking/internal/ceiling) must be the edge
// without its work: same server settings, same pixel bytes. Otherwise the
// edge's share of it means nothing.
func TestCeilingMatchesEdge(t *testing.T) {
	kr, err := token.NewKeyring(token.Key{ID: 1, Secret: []byte(strings.Repeat("k", token.MinSecret))})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Keyring: kr, Suppressor: nopSuppressor{}})
	if err != nil {
		t.Fatal(err)
	}
	c := ceiling.Server("https://dest.example/")
	got := []any{c.Name, c.NoDefaultServerHeader, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.ReadBufferSize,
		c.MaxRequestBodySize, c.DisablePreParseMultipartForm, c.CloseOnShutdown}
	want := []any{e.srv.Name, e.srv.NoDefaultServerHeader, e.srv.ReadTimeout, e.srv.WriteTimeout, e.srv.IdleTimeout,
		e.srv.ReadBufferSize, e.srv.MaxRequestBodySize, e.srv.DisablePreParseMultipartForm, e.srv.CloseOnShutdown}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ceiling settings %v, edge's %v", got, want)
	}
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/o/x.gif")
	c.Handler(&ctx)
	if string(ctx.Response.Body()) != pixel {
		t.Fatal("the ceiling's pixel is not the edge's")
	}
}

// nopSuppressor accepts unsubscribes and forgets them.
type nopSuppressor struct{}

func (nopSuppressor) Suppress(context.Context, queue.Suppression) error { return nil }
