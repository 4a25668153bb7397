package mx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/mx/dnstest"
)

func TestLookupMXPreferenceOrder(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("example.com", 30, "mx3.example.com")
	srv.AddMX("example.com", 10, "MX1.Example.com.")
	srv.AddMX("example.com", 20, "mx2.example.com")
	r := newResolver(t, Config{}, srv)

	for _, domain := range []string{"example.com", "EXAMPLE.com.", "Example.Com"} {
		hosts, err := r.LookupMX(t.Context(), domain)
		if err != nil {
			t.Fatalf("LookupMX(%q): %v", domain, err)
		}
		want := []Host{
			{Name: "mx1.example.com", Preference: 10},
			{Name: "mx2.example.com", Preference: 20},
			{Name: "mx3.example.com", Preference: 30},
		}
		if !slices.Equal(hosts, want) {
			t.Errorf("LookupMX(%q) = %v, want %v", domain, hosts, want)
		}
	}
	if n := srv.Queries("example.com", dns.TypeMX); n != 1 {
		t.Errorf("%d MX queries for three spellings of one name, want 1 (cached)", n)
	}
}

func TestLookupMXShufflesEqualPreferences(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("example.com", 5, "first.example.com")
	srv.AddMX("example.com", 10, "a.example.com")
	srv.AddMX("example.com", 10, "b.example.com")
	srv.AddMX("example.com", 20, "last.example.com")
	r := newResolver(t, Config{Rand: newRand(1).IntN}, srv)

	orders := map[string]int{}
	for range 64 {
		hosts, err := r.LookupMX(t.Context(), "example.com")
		if err != nil {
			t.Fatal(err)
		}
		names := hostNames(hosts)
		if len(names) != 4 || names[0] != "first.example.com" || names[3] != "last.example.com" {
			t.Fatalf("order %v: unequal preferences must keep their order", names)
		}
		orders[names[1]+","+names[2]]++
		// The caller owns the slice: scribbling on it must not reach the
		// cache.
		hosts[0].Name, hosts[1].Preference = "scribbled", 99
	}
	for _, o := range []string{"a.example.com,b.example.com", "b.example.com,a.example.com"} {
		if orders[o] == 0 {
			t.Errorf("order %s never seen in 64 lookups: %v", o, orders)
		}
	}
}

func TestShuffleEqualToleratesBadRand(t *testing.T) {
	t.Parallel()
	for _, bad := range []func(int) int{
		func(int) int { return -1 },
		func(n int) int { return n + 5 },
	} {
		r := &Resolver{cfg: Config{Rand: bad}}
		hosts := []Host{{Name: "a", Preference: 1}, {Name: "b", Preference: 1}, {Name: "c", Preference: 1}}
		r.shuffleEqual(hosts)
		got := hostNames(hosts)
		slices.Sort(got)
		if !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Errorf("shuffle lost hosts: %v", got)
		}
	}
}

func TestLookupMXOutcomes(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddA("v4only.example", "192.0.2.1")
	srv.AddAAAA("v6only.example", "2001:db8::1")
	srv.AddTXT("txtonly.example", "v=spf1 -all")
	srv.SetNullMX("null.example")
	srv.SetRcode("servfail.example", dns.RcodeServerFailure)
	srv.SetRcode("refused.example", dns.RcodeRefused)
	srv.AddMX("mixed.example", 0, ".")
	srv.AddMX("mixed.example", 10, "mx.mixed.example")
	srv.AddMX("deadmx.example", 10, "mx.deadmx.example") // the host need not resolve here
	r := newResolver(t, Config{}, srv)

	tests := []struct {
		domain    string
		want      []Host
		err       error // matched with errors.Is
		permanent bool
	}{
		{domain: "v4only.example", want: []Host{{Name: "v4only.example", Implicit: true}}},
		{domain: "v6only.example", want: []Host{{Name: "v6only.example", Implicit: true}}},
		{domain: "mixed.example", want: []Host{{Name: "mx.mixed.example", Preference: 10}}},
		{domain: "deadmx.example", want: []Host{{Name: "mx.deadmx.example", Preference: 10}}},
		{domain: "txtonly.example", err: ErrNoAddress, permanent: true},
		{domain: "null.example", err: ErrNullMX, permanent: true},
		{domain: "nosuch.example", err: ErrNoSuchDomain, permanent: true},
		{domain: "servfail.example", err: ErrServerFailure},
		{domain: "refused.example", err: ErrServerFailure},
		{domain: "bad..example", err: ErrInvalidDomain, permanent: true},
		{domain: "bücher.example", err: ErrInvalidDomain, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			t.Parallel()
			hosts, err := r.LookupMX(t.Context(), tt.domain)
			if tt.err == nil {
				if err != nil {
					t.Fatalf("LookupMX: %v", err)
				}
				if !slices.Equal(hosts, tt.want) {
					t.Errorf("LookupMX = %v, want %v", hosts, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("LookupMX = %v, %v; want error %v", hosts, err, tt.err)
			}
			if got := IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
			}
			if !strings.HasPrefix(err.Error(), "mx: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestLookupMXTimeoutIsTemporary(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("slow.example", 10, "mx.slow.example")
	srv.SetDelay("slow.example", time.Hour) // released by the server's Close
	r := newResolver(t, Config{Timeout: 50 * time.Millisecond}, srv)

	start := time.Now()
	_, err := r.LookupMX(t.Context(), "slow.example")
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
		t.Fatalf("LookupMX = %v, want a temporary os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("lookup took %v with a 50ms timeout", d)
	}
}

func TestLookupMXContextCanceled(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("example.com", 10, "mx.example.com")
	r := newResolver(t, Config{}, srv)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := r.LookupMX(ctx, "example.com")
	if !errors.Is(err, context.Canceled) || IsPermanent(err) {
		t.Fatalf("LookupMX with a canceled context = %v, want temporary context.Canceled", err)
	}
}

func TestLookupMXFollowsCNAME(t *testing.T) {
	t.Parallel()
	for _, follow := range []bool{true, false} {
		t.Run(fmt.Sprintf("chased_by_server=%v", follow), func(t *testing.T) {
			t.Parallel()
			srv := dnstest.NewServer(t)
			srv.SetFollowCNAME(follow)
			srv.AddCNAME("alias.example", "middle.example")
			srv.AddCNAME("middle.example", "real.example")
			srv.AddMX("real.example", 10, "mx.real.example")
			srv.AddCNAME("implicit.example", "host.example")
			srv.AddA("host.example", "192.0.2.7")
			r := newResolver(t, Config{}, srv)

			hosts, err := r.LookupMX(t.Context(), "alias.example")
			want := []Host{{Name: "mx.real.example", Preference: 10}}
			if err != nil || !slices.Equal(hosts, want) {
				t.Fatalf("LookupMX(alias) = %v, %v; want %v", hosts, err, want)
			}
			wantTarget := 0
			if !follow {
				wantTarget = 1 // the resolver asked about the target itself
			}
			if n := srv.Queries("real.example", dns.TypeMX); n != wantTarget {
				t.Errorf("%d MX queries for the target, want %d", n, wantTarget)
			}

			hosts, err = r.LookupMX(t.Context(), "implicit.example")
			want = []Host{{Name: "implicit.example", Implicit: true}}
			if err != nil || !slices.Equal(hosts, want) {
				t.Fatalf("LookupMX(implicit via alias) = %v, %v; want %v", hosts, err, want)
			}
		})
	}
}

func TestLookupMXCNAMELoop(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.SetFollowCNAME(false) // each answer is one alias: the resolver must stop
	srv.AddCNAME("a.example", "b.example")
	srv.AddCNAME("b.example", "a.example")
	r := newResolver(t, Config{}, srv)
	_, err := r.LookupMX(t.Context(), "a.example")
	if !errors.Is(err, ErrCNAMEChain) || IsPermanent(err) {
		t.Fatalf("LookupMX on a loop = %v, want temporary ErrCNAMEChain", err)
	}
	if n := srv.Queries("a.example", dns.TypeMX) + srv.Queries("b.example", dns.TypeMX); n > maxCNAMEs+1 {
		t.Errorf("%d queries for a loop, want at most %d", n, maxCNAMEs+1)
	}
}

func TestLookupMXTCPFallback(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("forced.example", 10, "mx.forced.example")
	srv.SetTruncate("forced.example", true)
	// 60 long MX names exceed the 1232-octet EDNS0 buffer on their own.
	var long []Host
	for i := range 60 {
		h := Host{Name: fmt.Sprintf("mx%02d.%s.example", i, strings.Repeat("x", 40)), Preference: uint16(i)}
		srv.AddMX("big.example", h.Preference, h.Name)
		long = append(long, h)
	}
	r := newResolver(t, Config{}, srv)

	tests := []struct {
		domain string
		want   []Host
	}{
		{"forced.example", []Host{{Name: "mx.forced.example", Preference: 10}}},
		{"big.example", long},
	}
	for _, tt := range tests {
		hosts, err := r.LookupMX(t.Context(), tt.domain)
		if err != nil || !slices.Equal(hosts, tt.want) {
			t.Fatalf("LookupMX(%s) = %v, %v; want %d hosts", tt.domain, hosts, err, len(tt.want))
		}
		if n := srv.TCPQueries(tt.domain, dns.TypeMX); n != 1 {
			t.Errorf("%s: %d TCP queries, want 1", tt.domain, n)
		}
	}
}

func TestLookupMXTriesNextServer(t *testing.T) {
	t.Parallel()
	good := dnstest.NewServer(t)
	good.AddMX("example.com", 10, "mx.example.com")
	failing := dnstest.NewServer(t)
	failing.SetRcode("example.com", dns.RcodeServerFailure)
	want := []Host{{Name: "mx.example.com", Preference: 10}}

	tests := []struct {
		name    string
		servers []string
	}{
		{"dead first", []string{deadServer(t), good.Addr()}},
		{"servfail first", []string{failing.Addr(), good.Addr()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver(t, Config{Servers: tt.servers})
			hosts, err := r.LookupMX(t.Context(), "example.com")
			if err != nil || !slices.Equal(hosts, want) {
				t.Fatalf("LookupMX = %v, %v; want %v", hosts, err, want)
			}
		})
	}

	t.Run("all dead", func(t *testing.T) {
		r := newResolver(t, Config{Servers: []string{deadServer(t), deadServer(t)}, Attempts: 2})
		_, err := r.LookupMX(t.Context(), "example.com")
		if err == nil || IsPermanent(err) {
			t.Fatalf("LookupMX with dead servers = %v, want a temporary error", err)
		}
	})
}

func TestLookupMXCacheTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ttl      uint32 // served
		hitAfter time.Duration
		missAt   time.Duration
	}{
		{"record TTL", 300, 299 * time.Second, 300 * time.Second},
		{"raised to MinTTL", 5, 59 * time.Second, 60 * time.Second},
		{"cut to MaxTTL", 86400, 599 * time.Second, 600 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := dnstest.NewServer(t)
			srv.SetTTL(tt.ttl)
			srv.AddMX("example.com", 10, "mx.example.com")
			clock := newClock()
			r := newResolver(t, Config{Now: clock.Now, MinTTL: time.Minute, MaxTTL: 10 * time.Minute}, srv)
			lookup := func() {
				t.Helper()
				if _, err := r.LookupMX(t.Context(), "example.com"); err != nil {
					t.Fatal(err)
				}
			}
			lookup()
			clock.Advance(tt.hitAfter)
			lookup()
			if n := srv.Queries("example.com", dns.TypeMX); n != 1 {
				t.Fatalf("after %v: %d queries, want 1 (cached)", tt.hitAfter, n)
			}
			clock.Advance(tt.missAt - tt.hitAfter)
			lookup()
			if n := srv.Queries("example.com", dns.TypeMX); n != 2 {
				t.Fatalf("after %v: %d queries, want 2 (expired)", tt.missAt, n)
			}
		})
	}
}

func TestLookupMXNegativeCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(*dnstest.Server)
		soaTTL   uint32
		want     error
		hitAfter time.Duration
		missAt   time.Duration
	}{
		{"NXDOMAIN by SOA", func(*dnstest.Server) {}, 120, ErrNoSuchDomain, 119 * time.Second, 120 * time.Second},
		{"NXDOMAIN capped by NegativeTTL", func(*dnstest.Server) {}, 86400, ErrNoSuchDomain, 299 * time.Second, 300 * time.Second},
		{"NODATA by SOA", func(s *dnstest.Server) { s.AddTXT("example.com", "x") }, 90, ErrNoAddress, 89 * time.Second, 90 * time.Second},
		{"null MX by record TTL", func(s *dnstest.Server) { s.SetNullMX("example.com") }, 0, ErrNullMX, 199 * time.Second, 200 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := dnstest.NewServer(t)
			srv.SetTTL(200)
			srv.SetNegativeTTL(tt.soaTTL)
			tt.setup(srv)
			clock := newClock()
			r := newResolver(t, Config{Now: clock.Now, MinTTL: time.Second, NegativeTTL: 5 * time.Minute}, srv)
			lookup := func() {
				t.Helper()
				if _, err := r.LookupMX(t.Context(), "example.com"); !errors.Is(err, tt.want) {
					t.Fatalf("LookupMX = %v, want %v", err, tt.want)
				}
			}
			lookup()
			clock.Advance(tt.hitAfter)
			lookup()
			if n := srv.Queries("example.com", dns.TypeMX); n != 1 {
				t.Fatalf("after %v: %d queries, want 1 (cached)", tt.hitAfter, n)
			}
			clock.Advance(tt.missAt - tt.hitAfter)
			lookup()
			if n := srv.Queries("example.com", dns.TypeMX); n != 2 {
				t.Fatalf("after %v: %d queries, want 2 (expired)", tt.missAt, n)
			}
		})
	}
}

func TestLookupMXTemporaryNotCached(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.SetRcode("example.com", dns.RcodeServerFailure)
	r := newResolver(t, Config{}, srv)
	for i := range 2 {
		if _, err := r.LookupMX(t.Context(), "example.com"); !errors.Is(err, ErrServerFailure) {
			t.Fatalf("lookup %d: %v, want ErrServerFailure", i, err)
		}
	}
	if n := srv.Queries("example.com", dns.TypeMX); n != 2 {
		t.Fatalf("%d queries, want 2: SERVFAIL must not be cached", n)
	}
	srv.SetRcode("example.com", dns.RcodeSuccess)
	srv.AddMX("example.com", 10, "mx.example.com")
	if _, err := r.LookupMX(t.Context(), "example.com"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestLookupMXCoalesces(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("example.com", 10, "mx.example.com")
	release := srv.Hold("example.com")
	defer release()
	r := newResolver(t, Config{Timeout: time.Minute}, srv)
	const n = 8
	joined := make(chan struct{}, n)
	r.flights.onJoin = func() { joined <- struct{}{} }

	errs := make(chan error, n)
	for range n {
		go func() {
			hosts, err := r.LookupMX(t.Context(), "example.com")
			if err == nil && (len(hosts) != 1 || hosts[0].Name != "mx.example.com") {
				err = fmt.Errorf("hosts %v", hosts)
			}
			errs <- err
		}()
	}
	for range n - 1 { // all but the leader wait on its flight
		wait(t, joined, "lookups to join the flight")
	}
	release()
	for range n {
		if err := wait(t, errs, "lookups to end"); err != nil {
			t.Error(err)
		}
	}
	if q := srv.Queries("example.com", dns.TypeMX); q != 1 {
		t.Errorf("%d concurrent lookups sent %d queries, want 1", n, q)
	}
}
