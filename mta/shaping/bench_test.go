package shaping

import (
	"fmt"
	"sync/atomic"
	"testing"

	"sluice/internal/clock"
)

// benchPolicy returns a Policy on the real clock with many sites known,
// as in a running sender, and the keys of some of them.
func benchPolicy(b *testing.B) (*Policy, []Key) {
	b.Helper()
	p, err := New(append(DefaultRules()[:6], Rule{Name: DefaultRuleName, Rate: 1e9}), Options{})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]Key, 1000)
	for i := range keys {
		keys[i] = Key{Source: "192.0.2.1", Site: p.Site("", []string{fmt.Sprintf("mx%d.hoster%d.example", i%2, i)})}
		p.Limits(keys[i])
	}
	return p, keys
}

// BenchmarkReserve is the rate check before every transaction: one key
// (serial), and every goroutine on its own site or all on one (parallel).
func BenchmarkReserve(b *testing.B) {
	p, keys := benchPolicy(b)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Reserve(keys[0], 1)
		}
	})
	b.Run("parallel-sites", func(b *testing.B) {
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			k := keys[int(next.Add(1))%len(keys)]
			for pb.Next() {
				p.Reserve(k, 1)
			}
		})
	})
	b.Run("parallel-one-site", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.Reserve(keys[0], 1)
			}
		})
	})
}

// BenchmarkLimits is the limits check before each connection or
// transaction.
func BenchmarkLimits(b *testing.B) {
	p, keys := benchPolicy(b)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Limits(keys[0])
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			k := keys[int(next.Add(1))%len(keys)]
			for pb.Next() {
				p.Limits(k)
			}
		})
	})
}

// BenchmarkObserve is the feedback after every transaction.
func BenchmarkObserve(b *testing.B) {
	p, keys := benchPolicy(b)
	b.ReportAllocs()
	for b.Loop() {
		p.Observe(keys[0], Delivered, "")
	}
}

// BenchmarkSite is the site lookup when a destination is resolved: a
// pattern rule (no allocation) and a default-rule MX set.
func BenchmarkSite(b *testing.B) {
	p, _ := benchPolicy(b)
	b.Run("pattern", func(b *testing.B) {
		mx := []string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"}
		b.ReportAllocs()
		for b.Loop() {
			p.Site("gmail.com", mx)
		}
	})
	b.Run("mx-set", func(b *testing.B) {
		mx := []string{"mx2.hoster.example", "mx1.hoster.example"}
		b.ReportAllocs()
		for b.Loop() {
			p.Site("customer.example", mx)
		}
	})
}

// BenchmarkShared is the cost the Shared hook adds to the hot path:
// AcquireConn+ReleaseConn (per connection) and Reserve (per transaction),
// without Shared (nil: the single-node path) and with an in-memory one
// (the Policy's own overhead; a Redis round trip is measured in
// package fleet).
func BenchmarkShared(b *testing.B) {
	for _, tc := range []struct {
		name   string
		shared func() Shared
	}{{"nil", func() Shared { return nil }}, {"mem", func() Shared { return newMemShared(clock.Now) }}} {
		p, err := New(append(DefaultRules()[:6], Rule{Name: DefaultRuleName, Rate: 1e9}), Options{Shared: tc.shared()})
		if err != nil {
			b.Fatal(err)
		}
		k := Key{Source: "192.0.2.1", Site: p.Site("", []string{"mx.hoster.example"})}
		b.Run("conn/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !p.AcquireConn(k) {
					b.Fatal("refused")
				}
				p.ReleaseConn(k)
			}
		})
		b.Run("reserve/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Reserve(k, 1)
			}
		})
	}
}
