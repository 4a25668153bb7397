package events

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"sluice/queue"
)

// lateEntries counts the late bucket's entries.
func lateEntries(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = bucket(tx, bucketLate).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLateCampaignSettled: opens and clicks the edge records before the
// follower has applied their message's "sent" (a gathering follower, one
// catching up after a restart) count for the message's campaign once the
// "sent" arrives, exactly as if they had come in order.
func TestLateCampaignSettled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	f := s.Follow(q, FollowOptions{})

	m := &queue.Message{ID: q.NewID(), Tenant: "acme", From: "n@acme.example",
		Rcpts: []string{"a@x.example", "b@x.example"}, Created: c.Now(), Body: []byte("hi"), Campaign: "c1"}
	if err := q.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	id := uint64(m.ID)
	// The edge is quicker than the follower.
	record(t, s,
		Event{Kind: KindOpen, Tenant: "acme", Message: id, Rcpt: 0},
		Event{Kind: KindOpen, Tenant: "acme", Message: id, Rcpt: 0},
		Event{Kind: KindClick, Tenant: "acme", Message: id, Rcpt: 1, Link: 3},
		Event{Kind: KindOpen, Tenant: "acme", Message: id, Rcpt: 1, Machine: true},
	)
	flush(t, s)
	if got := stats(t, s, "acme", "c1"); got.Opens != 0 {
		t.Fatalf("campaign counted before its sent: %+v", got)
	}
	if n := lateEntries(t, s); n != 1 {
		t.Fatalf("late entries %d, want 1", n)
	}
	if _, err := f.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, camp := range []string{"", "c1"} {
		got := stats(t, s, "acme", camp)
		if got.Sent != 2 || got.Opens != 2 || got.UniqueOpens != 1 || got.MachineOpens != 1 ||
			got.Clicks != 1 || got.UniqueClicks != 1 {
			t.Errorf("campaign %q: %+v", camp, got)
		}
		if len(got.Links) != 1 || got.Links[0].Link != 3 || got.Links[0].Clicks != 1 || got.Links[0].UniqueClicks != 1 {
			t.Errorf("campaign %q links: %+v", camp, got.Links)
		}
	}
	if n := lateEntries(t, s); n != 0 {
		t.Fatalf("late entries %d after the sent, want 0", n)
	}

	// In order now: an open of a message whose sent was applied costs
	// nothing more.
	record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: id, Rcpt: 1})
	flush(t, s)
	if n := lateEntries(t, s); n != 0 {
		t.Fatalf("late entry for a message whose sent was applied")
	}
	if got := stats(t, s, "acme", "c1"); got.Opens != 3 || got.UniqueOpens != 2 {
		t.Fatalf("in-order open: %+v", got)
	}
}

// TestLateCampaignOnlyWhenPossible: no entry is kept where no "sent" can
// come: a store that follows no journal (a standalone edge), or a message
// accepted longer ago than any follower lags; old entries are purged.
func TestLateCampaignOnlyWhenPossible(t *testing.T) {
	t.Parallel()
	s, c := openStore(t, Options{})
	record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: msgID(c.Now(), 1)})
	flush(t, s)
	if n := lateEntries(t, s); n != 0 {
		t.Fatalf("standalone store kept %d late entries", n)
	}

	q := openSpool(t, c, queue.Options{})
	s.Follow(q, FollowOptions{})
	old := msgID(c.Now().Add(-2*lateWindow), 1)
	fresh := msgID(c.Now(), 2)
	record(t, s,
		Event{Kind: KindOpen, Tenant: "acme", Message: old},
		Event{Kind: KindOpen, Tenant: "acme", Message: fresh},
		Event{Kind: KindDelivered, Tenant: "acme", Message: fresh}, // not an edge kind
	)
	flush(t, s)
	if n := lateEntries(t, s); n != 1 {
		t.Fatalf("late entries %d, want 1 (the fresh open)", n)
	}
	c.Set(c.Now().Add(lateWindow + time.Minute))
	if _, err := s.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := lateEntries(t, s); n != 0 {
		t.Fatalf("late entries %d after the window, want 0", n)
	}
}

// TestHeldUntilSent: with a follower gathering for far longer than the
// test waits, an open recorded right after its message was accepted is
// held, the follower is urged, and the open is committed after the
// message's "sent": in order for subscribers (webhooks), and with its
// campaign in its own record.
func TestHeldUntilSent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var order []Event
	s, c := openStore(t, Options{InTx: func(_ *Tx, evs []Event) error {
		mu.Lock()
		order = append(order, evs...)
		mu.Unlock()
		return nil
	}})
	var fp atomic.Pointer[Follower]
	q := openSpool(t, c, queue.Options{OnJournal: func() {
		if f := fp.Load(); f != nil {
			f.Kick()
		}
	}})
	f := s.Follow(q, FollowOptions{Gather: time.Hour, Poll: time.Hour})
	fp.Store(f)
	go f.Run(ctx)

	m := &queue.Message{ID: q.NewID(), Tenant: "acme", From: "n@acme.example",
		Rcpts: []string{"a@x.example"}, Created: c.Now(), Body: []byte("hi"), Campaign: "c1"}
	if err := q.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: uint64(m.ID), Rcpt: 0})
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(order)
		mu.Unlock()
		if len(got) == 2 {
			if got[0].Kind != KindSent || got[1].Kind != KindOpen || got[1].Campaign != "c1" {
				t.Fatalf("committed %+v, want sent then open of c1", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed %d events in 10 s (the follower gathers for an hour unless urged): %+v", len(got), got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := lateEntries(t, s); n != 0 {
		t.Fatalf("late entries %d for an event held until its sent", n)
	}
}
