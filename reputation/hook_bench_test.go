package reputation

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
)

// BenchmarkEventsWriterWithGuard is the events writer's cost per
// delivered event (fsync on) without and with the reputation guard's
// hook, as `sluice serve` chains it: the guard copies what it counts in
// the writer's transaction and counts after the commit, in its own
// goroutine. Delivery and submission never wait for this writer (they
// journal in the spool), so this is the guard's whole cost to the core
// path.
func BenchmarkEventsWriterWithGuard(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			q, err := queue.Open(filepath.Join(dir, "spool.db"), queue.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			late := &events.Ref{}
			var hook func(*events.Tx, []events.Event) error
			var g *Guard
			if on {
				if g, err = New(Config{}, Deps{Holds: q, Receiver: DirectoryReceiver(q), Events: late, Saver: late}); err != nil {
					b.Fatal(err)
				}
				hook = g.Hook(nil)
			}
			s, err := events.Open(filepath.Join(dir, "events.db"), events.Options{InTx: hook})
			if err != nil {
				b.Fatal(err)
			}
			late.Set(s)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			if g != nil {
				go func() { _ = g.Run(ctx); close(done) }()
			} else {
				close(done)
			}
			msg := uint64(time.Now().Add(-time.Hour).UnixMicro())
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev := events.Event{Time: time.Now(), Kind: events.KindDelivered, Tenant: "acme", Campaign: "spring", Message: msg, Rcpt: uint32(i % 50000)}
				for !s.Record(ev) {
					time.Sleep(10 * time.Microsecond)
				}
				i++
			}
			if err := s.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cancel()
			<-done
			s.Close(context.Background())
		})
	}
}
