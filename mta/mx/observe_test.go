package mx

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sluice/mta/mx/dnstest"
)

// Observe hears each resolution that reached the servers, with its type
// and result; a cache hit is not one.
func TestObserve(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	srv.AddMX("example.net", 10, "mx.example.net")
	srv.AddA("mx.example.net", "192.0.2.1")
	srv.AddA("bare.example.net", "192.0.2.2")
	srv.SetRcode("broken.example.net", dns.RcodeServerFailure)
	type obs struct{ qtype, result string }
	var mu sync.Mutex
	var got []obs
	r := newResolver(t, Config{Observe: func(qtype string, d time.Duration, result string) {
		if d < 0 {
			t.Errorf("negative duration %v", d)
		}
		mu.Lock()
		got = append(got, obs{qtype, result})
		mu.Unlock()
	}}, srv)
	ctx := context.Background()
	for _, tc := range []struct {
		lookup func() error
		want   []obs
	}{
		{func() error { _, err := r.LookupMX(ctx, "example.net"); return err }, []obs{{"MX", ResultOK}}},
		{func() error { _, err := r.LookupMX(ctx, "example.net"); return err }, nil}, // cached
		{func() error { _, err := r.LookupMX(ctx, "nowhere.example.net"); return err }, []obs{{"MX", ResultNXDomain}}},
		{func() error { _, err := r.LookupMX(ctx, "broken.example.net"); return err }, []obs{{"MX", ResultServFail}}},
	} {
		mu.Lock()
		got = nil
		mu.Unlock()
		_ = tc.lookup()
		mu.Lock()
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("observed %v, want %v", got, tc.want)
		}
		mu.Unlock()
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	if _, err := r.LookupHost(ctx, "bare.example.net"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[obs]bool{}
	for _, o := range got {
		seen[o] = true
	}
	if !seen[obs{"A", ResultOK}] || !seen[obs{"AAAA", ResultNoData}] {
		t.Errorf("host lookup observed %v, want A ok and AAAA nodata", got)
	}
}

// A timeout is named as such.
func TestObserveTimeout(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t)
	release := srv.Hold("slow.example.net")
	defer release()
	var result string
	r := newResolver(t, Config{Timeout: 50 * time.Millisecond, Observe: func(_ string, _ time.Duration, res string) { result = res }}, srv)
	if _, err := r.LookupMX(context.Background(), "slow.example.net"); err == nil {
		t.Fatal("no error")
	}
	if result != ResultTimeout {
		t.Errorf("result %q, want %q", result, ResultTimeout)
	}
}
