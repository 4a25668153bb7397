package mx

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/mx/dnstest"
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func TestLookupHost(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddAAAA("dual.example", "2001:db8::1") // added first, returned last
	srv.AddA("dual.example", "192.0.2.1")
	srv.AddA("dual.example", "192.0.2.2")
	srv.AddAAAA("v6.example", "2001:db8::6")
	srv.AddCNAME("alias.example", "dual.example")
	srv.AddMX("mxonly.example", 10, "mx.example")
	srv.SetRcode("servfail.example", dns.RcodeServerFailure)
	r := newResolver(t, Config{}, srv)

	tests := []struct {
		host      string
		want      []netip.Addr
		err       error
		permanent bool
	}{
		{host: "dual.example", want: addrs("192.0.2.1", "192.0.2.2", "2001:db8::1")},
		{host: "DUAL.example.", want: addrs("192.0.2.1", "192.0.2.2", "2001:db8::1")},
		{host: "v6.example", want: addrs("2001:db8::6")},
		{host: "alias.example", want: addrs("192.0.2.1", "192.0.2.2", "2001:db8::1")},
		{host: "192.0.2.9", want: addrs("192.0.2.9")},
		{host: "[192.0.2.9]", want: addrs("192.0.2.9")},
		{host: "[IPv6:2001:db8::9]", want: addrs("2001:db8::9")},
		{host: "2001:db8::9", want: addrs("2001:db8::9")},
		{host: "::ffff:192.0.2.9", want: addrs("192.0.2.9")},
		{host: "mxonly.example", err: ErrNoAddress, permanent: true},
		{host: "nosuch.example", err: ErrNoSuchDomain, permanent: true},
		{host: "servfail.example", err: ErrServerFailure},
		{host: "[IPv6:192.0.2.9]", err: ErrInvalidDomain, permanent: true},
		{host: "fe80::1%eth0", err: ErrInvalidDomain, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			got, err := r.LookupHost(t.Context(), tt.host)
			if tt.err == nil {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Fatalf("LookupHost = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.err) || IsPermanent(err) != tt.permanent {
				t.Fatalf("LookupHost = %v, %v; want error %v (permanent %v)", got, err, tt.err, tt.permanent)
			}
		})
	}
}

func TestLookupHostCache(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.SetTTL(120)
	srv.AddA("host.example", "192.0.2.1")
	clock := newClock()
	r := newResolver(t, Config{Now: clock.Now, MinTTL: time.Second}, srv)
	lookup := func() {
		t.Helper()
		got, err := r.LookupHost(t.Context(), "host.example")
		if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
			t.Fatalf("LookupHost = %v, %v", got, err)
		}
		// The caller owns the slice.
		got[0] = netip.Addr{}
	}
	queries := func() (int, int) {
		return srv.Queries("host.example", dns.TypeA), srv.Queries("host.example", dns.TypeAAAA)
	}
	lookup()
	lookup()
	if a, aaaa := queries(); a != 1 || aaaa != 1 {
		t.Fatalf("queries A=%d AAAA=%d after a cached lookup, want 1 and 1", a, aaaa)
	}
	// The AAAA NODATA expires by the SOA (60s), the A record at 120s.
	clock.Advance(60 * time.Second)
	lookup()
	if a, aaaa := queries(); a != 1 || aaaa != 2 {
		t.Fatalf("queries A=%d AAAA=%d at 60s, want 1 and 2", a, aaaa)
	}
	clock.Advance(60 * time.Second)
	lookup()
	if a, aaaa := queries(); a != 2 || aaaa != 3 {
		t.Fatalf("queries A=%d AAAA=%d at 120s, want 2 and 3", a, aaaa)
	}
}
