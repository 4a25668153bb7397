package fleet

import (
	"context"
	"testing"
	"time"

	"sluice/fleet/redistest"
	"sluice/internal/clock"
)

// TestLiveCountLeavesEdgesOut: a standalone edge heartbeats like a node
// (ctl cluster status lists it) but sends no mail, so it must not shrink
// a node's share of each limit while Redis is down: the live count is of
// the sending nodes only.
func TestLiveCountLeavesEdgesOut(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		nodes []string
		want  int
	}{
		{"a node and an edge", []string{"n1", EdgeIDPrefix + "e1"}, 1},
		{"two nodes and an edge", []string{"n1", "n2", EdgeIDPrefix + "e1"}, 2},
		{"two nodes and two edges", []string{"n1", EdgeIDPrefix + "e1", "n2", EdgeIDPrefix + "e2"}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t, redistest.Config{})
			clients := make([]*Client, len(c.nodes))
			for i, id := range c.nodes {
				cl, err := Open(t.Context(), Options{URL: srv.URL(), NodeID: id, Version: "test"})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cl.Close() })
				clients[i] = cl
				cl.beat(t.Context(), clock.Now(), nil)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if live, err := clients[0].Live(ctx); err != nil || len(live) != len(c.nodes) {
				t.Fatalf("Live: %d members, %v; want %d", len(live), err, len(c.nodes))
			}
			for i, cl := range clients {
				cl.beat(ctx, clock.Now(), nil) // every member's heartbeat is in Redis now
				if got := cl.LiveCount(); got != c.want {
					t.Errorf("%s: LiveCount %d, want %d", c.nodes[i], got, c.want)
				}
			}
		})
	}
}
