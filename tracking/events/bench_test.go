package events

import (
	"context"
	"testing"
	"time"
)

// BenchmarkWrite measures the writer: events recorded as fast as possible
// (each Record of b.N waits for room, to measure what the writer sustains),
// fsync on.
func BenchmarkWrite(b *testing.B) {
	for _, kind := range []Kind{KindOpen, KindClick} {
		b.Run(string(kind), func(b *testing.B) {
			s, err := Open(b.TempDir()+"/events.db", Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			msg := uint64(time.Now().Add(-time.Hour).UnixMicro())
			s.Record(Event{Kind: KindSent, Tenant: "acme", Campaign: "spring", Message: msg})
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				ev := Event{Time: time.Now(), Kind: kind, Tenant: "acme", Message: msg, Rcpt: uint32(i % 50000), Link: i % 7,
					IP: "198.51.100.0/24", UAClass: "browser"}
				for !s.Record(ev) {
					time.Sleep(10 * time.Microsecond)
				}
				i++
			}
			if err := s.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			m := s.Metrics()
			b.ReportMetric(float64(m.Written)/float64(m.Batches), "events/batch")
		})
	}
}
