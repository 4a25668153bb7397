package events

import (
	"context"
	"testing"
	"time"
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
