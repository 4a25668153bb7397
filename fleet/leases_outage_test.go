package fleet

import (
	"strconv"
	"testing"
	"time"

	"sluice/fleet/redistest"
)

// TestLeasesRegisteredBeforeTheFirstAcquireAfterAnOutage: a node holds
// one slot leased in Redis and takes a second while Redis is down (its
// share: the whole limit, as it saw no other node); a probe fails
// meanwhile. Redis comes back, with its data or empty. The node's first
// Acquire that Redis answers must count both connections, which are
// open, before it asks: refused, and another node refused too. Before,
// the slot taken while down was taken for registered by the failed probe,
// and a lease Redis lost was re-added only by the next renewal (TTL/3
// later): that Acquire found the set short and granted a third
// connection of two.
func TestLeasesRegisteredBeforeTheFirstAcquireAfterAnOutage(t *testing.T) {
	t.Parallel()
	for _, persistent := range []bool{true, false} {
		t.Run("persistent="+strconv.FormatBool(persistent), func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t, redistest.Config{Persistent: persistent})
			const key, limit = "10.0.0.5|gmail", 2
			// No Run: no renewal tick comes to the rescue.
			l := client(t, srv, "a").Leases(time.Minute)
			other := client(t, srv, "b").Leases(time.Minute)
			if _, ok, err := l.Acquire(t.Context(), key, limit); !ok || err != nil {
				t.Fatalf("acquire with Redis up: %v %v", ok, err)
			}

			srv.Kill()
			if _, ok, err := l.Acquire(t.Context(), key, limit); !ok || err != nil || l.c.Healthy() {
				t.Fatalf("acquire with Redis down: %v %v (healthy %v), want the share's second slot", ok, err, l.c.Healthy())
			}
			l.c.nextProbe.Store(0) // a renewal's probe now, Redis still down
			l.renew(t.Context())
			if _, ok, _ := l.Acquire(t.Context(), key, limit); ok {
				t.Fatal("a third slot of two granted with Redis down")
			}

			if persistent {
				srv.Restart()
			} else {
				srv.RestartEmpty()
			}
			waitFor(t, 5*time.Second, "an acquire answered by Redis", func() bool {
				_, ok, err := l.Acquire(t.Context(), key, limit)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					t.Fatalf("a third slot of two granted once Redis was back (healthy %v)", l.c.Healthy())
				}
				return l.c.Healthy()
			})
			if v, err := srv.Do(t.Context(), "ZCARD", "sluice:lease:"+key); err != nil || v != "2" {
				t.Fatalf("leases in Redis after the node's first answered call: %q %v, want its 2", v, err)
			}
			if _, ok, err := other.Acquire(t.Context(), key, limit); ok || err != nil {
				t.Fatalf("another node's acquire: %v %v, want refused (the limit is held)", ok, err)
			}
		})
	}
}
