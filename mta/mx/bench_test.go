package mx

import (
	"testing"

	"sluice/mta/mx/dnstest"
)

// BenchmarkLookupMXCached measures the hot path of delivery: an MX lookup
// answered from the cache (normalization, cache hit, copy and shuffle).
func BenchmarkLookupMXCached(b *testing.B) {
	srv := dnstest.NewServer(b)
	srv.AddMX("example.com", 10, "mx1.example.com")
	srv.AddMX("example.com", 10, "mx2.example.com")
	srv.AddMX("example.com", 20, "mx3.example.com")
	r := newResolver(b, Config{}, srv)
	if _, err := r.LookupMX(b.Context(), "example.com"); err != nil {
		b.Fatal(err)
	}

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.LookupMX(b.Context(), "example.com"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.LookupMX(b.Context(), "example.com"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkLookupHostCached measures a cached address lookup.
func BenchmarkLookupHostCached(b *testing.B) {
	srv := dnstest.NewServer(b)
	srv.AddA("mx1.example.com", "192.0.2.1")
	srv.AddAAAA("mx1.example.com", "2001:db8::1")
	r := newResolver(b, Config{}, srv)
	if _, err := r.LookupHost(b.Context(), "mx1.example.com"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.LookupHost(b.Context(), "mx1.example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
