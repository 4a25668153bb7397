package fleet

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tracking/events"
)

// BenchmarkReputationShared is the reputation guard's cost per event
// counted (a delivered message with a campaign, one in 200 a complaint;
// 50 tenants) alone and with its windows shared through Redis, a Sync
// every 1000 events (a node counting 1000 events a second). "fleet" is
// the guard's goroutine's whole cost, its Syncs' round trips included
// (redis-trips/op); delivery and submission never wait for it.
func BenchmarkReputationShared(b *testing.B) {
	for _, shared := range []bool{false, true} {
		name := "alone"
		if shared {
			name = "fleet"
		}
		b.Run(name, func(b *testing.B) {
			clk := newRepClock()
			spool, err := queue.Open(filepath.Join(b.TempDir(), "spool.db"), queue.Options{Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer spool.Close()
			d := reputation.Deps{Holds: spool, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Receiver: func(m uint64, _ uint32) (string, string, bool) {
					return [2]string{"yahoo.com", "gmail.com"}[m%2], "", true
				}}
			var c *Client
			if shared {
				srv := redistest.Start(b, redistest.Config{})
				if c, err = Open(b.Context(), Options{URL: srv.URL(), NodeID: "bench"}); err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				d.Shared = c.ReputationCounts(ReputationOptions{Now: clk.Now})
			}
			g, err := reputation.New(reputation.Config{}, d)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var before uint64
			if c != nil {
				before = c.Stats().RoundTrips
			}
			var m uint64
			b.ReportAllocs()
			for b.Loop() {
				m++
				ev := events.Event{Kind: events.KindDelivered, Tenant: "t" + strconv.Itoa(int(m%50)), Campaign: "spring", Message: m}
				if m%200 == 0 {
					ev.Kind = events.KindComplaint
				}
				g.Observe(ctx, ev)
				if m%1000 == 0 {
					clk.Add(time.Second)
					g.Sync(ctx)
				}
			}
			if c != nil {
				trips(b, c, before)
			}
		})
	}
}
