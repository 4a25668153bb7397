package events

import (
	"context"
	"testing"
	"time"

	"sluice/queue"
)

// TestFollowerTLS: the transport of a journaled delivered, deferred or
// failed outcome reaches the stored event field for field; a suppressed
// recipient (no session) has none.
func TestFollowerTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := openStore(t, Options{})
	q := openSpool(t, c, queue.Options{})
	m := &queue.Message{ID: q.NewID(), Tenant: "acme", From: "n@acme.example",
		Rcpts: []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example"}, Created: c.Now(), Body: []byte("hi")}
	if err := q.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Claim(ctx, 10, 10); err != nil {
		t.Fatal(err)
	}
	sts := queue.TLSInfo{Used: true, Verified: true, Version: 0x0304, Cipher: 0x1301, Policy: "mta-sts enforce", Result: "success"}
	refused := queue.TLSInfo{Policy: "require", Result: "starttls-not-supported"}
	plain := queue.TLSInfo{Policy: "opportunistic", Result: "success"}
	err := q.Complete(ctx, []queue.Result{
		{ID: m.ID, Index: 0, Outcome: queue.OutcomeDelivered, Code: 250, MX: "mx.x.example", TLS: sts},
		{ID: m.ID, Index: 1, Outcome: queue.OutcomeDeferred, Reply: "no STARTTLS", MX: "mx.x.example", TLS: refused},
		{ID: m.ID, Index: 2, Outcome: queue.OutcomeFailed, Code: 550, Reply: "no such user", MX: "mx.x.example", TLS: plain},
		{ID: m.ID, Index: 3, Outcome: queue.OutcomeFailed, Reply: "suppressed: unsubscribe", Suppressed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(q, FollowOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[uint32]Event{}
	if err := s.Range(ctx, "acme", time.Time{}, time.Time{}, func(ev Event) bool {
		if ev.Kind != KindSent {
			got[ev.Rcpt] = ev
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []queue.TLSInfo{sts, refused, plain, {}} {
		if ev := got[uint32(i)]; ev.TLS != TLS(want) {
			t.Errorf("recipient %d (%s): TLS %+v, want %+v", i, ev.Kind, ev.TLS, want)
		}
	}
}
