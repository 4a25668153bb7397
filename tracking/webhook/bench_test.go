package webhook

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"sluice/tracking/events"
)

// BenchmarkAppend measures the hook's own work in the events writer's
// transaction, per event: a batch of 1000 opens of one tenant appended to
// an open write transaction (rolled back outside the timer, so the
// commit's page writes are not counted: BenchmarkStoreWrite has them).
func BenchmarkAppend(b *testing.B) {
	db, err := events.Open(filepath.Join(b.TempDir(), "events.db"), events.Options{NoSync: true, Retention: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(context.Background())
	out, err := NewOutbox([]Endpoint{{Tenant: "acme", URL: "https://hooks.example/", Secret: []byte(secret)}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]events.Event, 1000)
	for i := range batch {
		batch[i] = events.Event{Time: time.Now(), Kind: events.KindOpen, Tenant: "acme", Campaign: "spring",
			Message: msgID(i), Rcpt: uint32(i), IP: "198.51.100.0/24", UAClass: "browser"}
	}
	rollback := errors.New("rollback")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		err := db.Update(func(tx *events.Tx) error {
			b.StartTimer()
			err := out.Append(tx, batch)
			b.StopTimer()
			if err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			b.Fatal(err)
		}
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
