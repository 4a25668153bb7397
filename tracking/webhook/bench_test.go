package webhook

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/tracking/events"
)

// BenchmarkAppend measures the hook's own work in the events writer's
// transaction, per event: a batch of 1000 opens of one tenant appended to
// an open write transaction (rolled back outside the timer, so the
// commit's page writes are not counted: BenchmarkStoreWrite has them).
func BenchmarkAppend(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "events.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	out, err := NewOutbox([]Endpoint{{Tenant: "acme", URL: "https://hooks.example/", Secret: []byte(secret)}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]events.Event, 1000)
	for i := range batch {
		batch[i] = events.Event{Time: time.Now(), Kind: events.KindOpen, Tenant: "acme", Campaign: "spring",
			Message: msgID(i), Rcpt: uint32(i), IP: "198.51.100.0/24", UAClass: "browser"}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		tx, err := db.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := out.Append(tx, batch); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = tx.Rollback()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}

// BenchmarkStoreWrite is the events store's writer (fsync on) with and
// without a webhook for the tenant: the difference is what the outbox
// costs the writer per event, commit included.
func BenchmarkStoreWrite(b *testing.B) {
	for _, hook := range []bool{false, true} {
		name := "no_webhook"
		if hook {
			name = "webhook"
		}
		b.Run(name, func(b *testing.B) {
			opts := events.Options{Logger: slog.New(slog.DiscardHandler), Retention: -1}
			if hook {
				out, err := NewOutbox([]Endpoint{{Tenant: "acme", URL: "https://hooks.example/", Secret: []byte(secret)}}, nil)
				if err != nil {
					b.Fatal(err)
				}
				opts.InTx = out.Append
			}
			s, err := events.Open(filepath.Join(b.TempDir(), "events.db"), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev := events.Event{Time: time.Now(), Kind: events.KindDelivered, Tenant: "acme", Message: msgID(i),
					IP: "198.51.100.0/24", UAClass: "browser"}
				for !s.Record(ev) {
					time.Sleep(10 * time.Microsecond)
				}
				i++
			}
			if err := s.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
