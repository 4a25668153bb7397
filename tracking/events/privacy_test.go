package events

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"sluice/queue"
)

// TestEraseLetsTheWriterRun: while an erasure scans a large store, events
// recorded meanwhile are committed (a Flush returns: the scan does not hold
// one transaction, whose end a commit may wait for); the erasure still
// deletes every event of the recipient written before it, and leaves the
// others and those committed during the scan.
func TestEraseLetsTheWriterRun(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, Options{MaxBatch: 4, BatchDelay: -1, Retention: -1})
	const batches = 1000
	gone, kept := RecipientID{msgID(t0, 1), 0}, RecipientID{msgID(t0, 2), 0}
	for i := range batches * 4 {
		id := kept
		if i%8 == 0 {
			id = gone
		}
		record(t, s, Event{Time: t0, Kind: KindDelivered, Tenant: "acme", Message: id.Message, Rcpt: id.Rcpt})
	}
	flush(t, s)
	if k := countKeys(t, s, bucketEv); k < batches/2 {
		t.Fatalf("%d batches written, want about %d", k, batches)
	}

	var during error
	total := countKeys(t, s, bucketEv)
	calls := 0
	hooks := eraseHooks{scanned: func(i int) {
		if calls++; calls > 1 {
			return
		}
		if i >= total {
			t.Errorf("the scan read all %d batches at once", i)
		}
		// Halfway through the scan: the writer must commit.
		s.Record(Event{Time: t0, Kind: KindClick, Tenant: "acme", Message: kept.Message, Rcpt: kept.Rcpt})
		s.Record(Event{Time: t0, Kind: KindClick, Tenant: "acme", Message: gone.Message, Rcpt: gone.Rcpt})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		during = s.Flush(ctx)
	}}
	n, err := s.eraseRecipient(context.Background(), "acme", []RecipientID{gone}, hooks)
	if during != nil {
		t.Fatalf("Flush during the erasure's scan: %v (the writer is blocked)", during)
	}
	// The click committed during the scan is in a later batch, which the
	// scan reached: erased too.
	if err != nil || n != batches*4/8+1 {
		t.Fatalf("erase = %d, %v; want %d", n, err, batches*4/8+1)
	}
	got, err := s.ExportRecipient(context.Background(), "acme", []RecipientID{gone})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("left of the erased recipient: %+v", got)
	}
	got, err = s.ExportRecipient(context.Background(), "acme", []RecipientID{kept})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != batches*4-batches*4/8+1 || got[len(got)-1].Kind != KindClick {
		t.Fatalf("the other recipient has %d events, want %d and the click last", len(got), batches*4-batches*4/8+1)
	}
}

// TestEraseInChunks: an erasure touching more batches than one write
// transaction may rewrite spreads them over several, between which the
// writer commits; every event and uniqueness marker of the recipient goes,
// and the other events (of the same batches, or committed meanwhile) stay.
func TestEraseInChunks(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, Options{MaxBatch: 2, BatchDelay: -1, Retention: -1})
	const batches = 3*eraseChunkKeys + 1
	m := msgID(t0, 1)
	for i := range batches {
		record(t, s,
			Event{Time: t0, Kind: KindOpen, Tenant: "acme", Message: m, Rcpt: 0},
			Event{Time: t0, Kind: KindOpen, Tenant: "acme", Message: m + uint64(i) + 1, Rcpt: 0})
		flush(t, s)
	}
	if k := countKeys(t, s, bucketEv); k < batches {
		t.Fatalf("%d batches, want at least %d", k, batches)
	}
	writes := 0
	hooks := eraseHooks{wrote: func() {
		writes++
		record(t, s, Event{Time: t0, Kind: KindSent, Tenant: "acme", Campaign: "c", Message: m + 1<<20 + uint64(writes)})
		flush(t, s)
	}}
	n, err := s.eraseRecipient(context.Background(), "acme", []RecipientID{{m, 0}}, hooks)
	if err != nil || n != batches {
		t.Fatalf("erase = %d, %v; want %d", n, err, batches)
	}
	if writes < 4+1 { // 4 chunks of batches, 1 of markers
		t.Errorf("%d write transactions, want at least 5", writes)
	}
	if got, _ := s.ExportRecipient(context.Background(), "acme", []RecipientID{{m, 0}}); len(got) != 0 {
		t.Fatalf("left after erase: %d events", len(got))
	}
	left := map[uint64]int{}
	err = s.Range(context.Background(), "acme", time.Time{}, time.Time{}, func(ev Event) bool {
		left[ev.Message]++
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range batches {
		if left[m+uint64(i)+1] != 1 {
			t.Fatalf("recipient %d has %d events, want 1", i, left[m+uint64(i)+1])
		}
	}
	if len(left) != batches+writes {
		t.Errorf("%d messages with events, want %d", len(left), batches+writes)
	}
	if k := countKeys(t, s, bucketUniq); k != batches {
		t.Errorf("%d uniq markers, want %d (the erased recipient's gone)", k, batches)
	}
}

// TestErasedRecipientStaysErased: entries of ann still waiting in the
// spool's journal when the events store erases her (her "sent", her
// delivery, a later return) are dropped when they arrive, and reach no
// subscriber; the spool's erasure outcome (ids only) arrives; bob, in the
// same message, is untouched; the tombstones go with the retention.
func TestErasedRecipientStaysErased(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var hooked []Event
	s, c := openStore(t, Options{InTx: func(_ *Tx, evs []Event) error {
		mu.Lock()
		hooked = append(hooked, evs...)
		mu.Unlock()
		return nil
	}})
	q := openSpool(t, c, queue.Options{})
	ctx := context.Background()
	id := q.NewID()
	later := q.NewID()
	for _, m := range []*queue.Message{
		{ID: id, Tenant: "acme", Rcpts: []string{"ann@x.example", "bob@x.example"}, Created: c.Now(), Body: []byte("x")},
		{ID: later, Tenant: "acme", Rcpts: []string{"ann@x.example"}, Created: c.Now(), Body: []byte("x")},
	} {
		if err := q.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Claim(ctx, 10, 10); err != nil {
		t.Fatal(err)
	}
	err := q.Complete(ctx, []queue.Result{{ID: id, Index: 0, Outcome: queue.OutcomeDelivered, Code: 250},
		{ID: id, Index: 1, Outcome: queue.OutcomeDelivered, Code: 250}})
	if err != nil {
		t.Fatal(err)
	}

	// The admin workflow's order (admin.Erase), the journal not drained.
	sub, err := q.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil {
		t.Fatal(err)
	}
	var rids []RecipientID
	for _, k := range sub.Keys() {
		rids = append(rids, RecipientID{uint64(k.ID), k.Index})
	}
	if len(rids) != 2 {
		t.Fatalf("recipients of ann %v", rids)
	}
	if _, err := s.EraseRecipient(ctx, "acme", rids); err != nil {
		t.Fatal(err)
	}
	// A return for ann processed meanwhile, before the spool's erasure.
	ret := &queue.Return{Rcpt: "fbl@bounces.example", Received: c.Now(), Data: []byte("x")}
	if err := q.AddReturn(ctx, ret); err != nil {
		t.Fatal(err)
	}
	err = q.DoneReturn(ctx, ret.ID, queue.JournalEntry{Kind: queue.JournalComplaint, Time: c.Now(), Tenant: "acme", ID: id, Reply: "complaint"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.EraseSubject(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(q, FollowOptions{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}

	got, err := s.ExportRecipient(ctx, "acme", rids)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing of the erased recipients, not even the erasure outcome of
	// the one still waiting: their whole history is gone.
	if len(got) != 0 {
		t.Fatalf("events of the erased recipients: %+v", got)
	}
	mu.Lock()
	for _, ev := range hooked {
		if slices.Contains(rids, RecipientID{ev.Message, ev.Rcpt}) {
			t.Errorf("a subscriber saw an event of an erased recipient: %+v", ev)
		}
	}
	mu.Unlock()
	bob, err := s.ExportRecipient(ctx, "acme", []RecipientID{{uint64(id), 1}})
	if err != nil || len(bob) != 2 || bob[0].Kind != KindSent || bob[1].Kind != KindDelivered {
		t.Fatalf("the other recipient's events: %+v, %v", bob, err)
	}

	if k := countKeys(t, s, bucketErased); k != 2 {
		t.Fatalf("%d tombstones, want 2", k)
	}
	c.Set(t0.Add(91 * 24 * time.Hour))
	if _, err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if k := countKeys(t, s, bucketErased); k != 0 {
		t.Fatalf("%d tombstones after the retention", k)
	}
}
