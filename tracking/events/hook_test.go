package events

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

// TestInTx: the hook sees each batch's stored events as applied (time set,
// campaign filled in; anonymous ones left out), writes in the batch's
// transaction, and an error from it rolls the whole batch back.
func TestInTx(t *testing.T) {
	t.Parallel()
	var seen []Event
	fail := false
	s, _ := openStore(t, Options{InTx: func(tx *Tx, evs []Event) error {
		seen = append(seen, evs...) // the writer goroutine; read after flush
		if fail {
			return errors.New("refused")
		}
		b, err := tx.CreateBucketIfNotExists([]byte("test_hook"))
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := b.Put([]byte(string(ev.Kind)+"/"+ev.Campaign), present()); err != nil {
				return err
			}
		}
		return nil
	}})
	m := msgID(t0, 1)
	record(t, s, Event{Kind: KindSent, Tenant: "acme", Campaign: "nov", Message: m},
		Event{Kind: KindOpen, Tenant: "acme", Message: m},
		Event{Kind: KindOpen, Tenant: "acme", Anonymous: true})
	flush(t, s)
	if len(seen) != 2 || seen[1].Campaign != "nov" || seen[1].Time.IsZero() || seen[1].Anonymous {
		t.Fatalf("hook saw %+v", seen)
	}
	err := s.View(func(tx *Tx) error {
		b := tx.Bucket([]byte("test_hook"))
		if b == nil || b.Get([]byte("open/nov")) == nil {
			t.Error("the hook's write was not committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	fail = true // safe: the writer reads it after the flush above
	record(t, s, Event{Kind: KindDelivered, Tenant: "acme", Message: m})
	flush(t, s)
	if st := stats(t, s, "acme", ""); st.Delivered != 0 || st.Opens != 1 {
		t.Fatalf("a refused batch was committed: %+v", st)
	}
	if mt := s.Metrics(); mt.Lost != 1 {
		t.Fatalf("Lost = %d, want 1", mt.Lost)
	}
}

// TestTxKeepsOutOfTheStoresBuckets: a subscriber's transaction (the hook's
// or Update's) cannot reach or create the store's own buckets, and can use
// a bucket of its own: nested buckets, sequences, cursors, OnCommit.
func TestTxKeepsOutOfTheStoresBuckets(t *testing.T) {
	t.Parallel()
	hookErr := make(chan error, 1)
	s, _ := openStore(t, Options{InTx: func(tx *Tx, _ []Event) error {
		_, err := tx.CreateBucketIfNotExists([]byte(bucketCnt))
		select {
		case hookErr <- err:
		default:
		}
		return nil
	}})
	record(t, s, Event{Kind: KindOpen, Tenant: "acme", Message: msgID(t0, 1)})
	flush(t, s)
	if err := <-hookErr; !errors.Is(err, ErrReserved) {
		t.Fatalf("hook created the cnt bucket: %v", err)
	}
	committed := false
	err := s.Update(func(tx *Tx) error {
		for _, name := range []string{bucketEv, bucketMsg, bucketUniq, bucketCnt, bucketCamp, bucketJournal, bucketErased} {
			if tx.Bucket([]byte(name)) != nil {
				t.Errorf("Tx.Bucket(%q) reached the store's bucket", name)
			}
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); !errors.Is(err, ErrReserved) {
				t.Errorf("Tx.CreateBucketIfNotExists(%q) = %v", name, err)
			}
		}
		if tx.Bucket([]byte("mine")) != nil {
			t.Error("a missing bucket is not nil")
		}
		top, err := tx.CreateBucketIfNotExists([]byte("mine"))
		if err != nil {
			return err
		}
		q, err := top.CreateBucketIfNotExists([]byte("acme"))
		if err != nil {
			return err
		}
		q.SetFillPercent(0.95)
		for _, v := range []string{"a", "b", "c"} {
			seq, err := q.NextSequence()
			if err != nil {
				return err
			}
			if err := q.Put([]byte{byte(seq)}, []byte(v)); err != nil {
				return err
			}
		}
		tx.OnCommit(func() { committed = true })
		return q.Delete([]byte{1})
	})
	if err != nil || !committed {
		t.Fatalf("Update: %v, committed %v", err, committed)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 { // concurrent Batch calls share transactions
		wg.Go(func() {
			if err := s.Batch(func(tx *Tx) error { return tx.Bucket([]byte("mine")).Put([]byte("b"), []byte("x")) }); err != nil {
				mu.Lock()
				t.Error(err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	err = s.View(func(tx *Tx) error {
		top := tx.Bucket([]byte("mine"))
		var names [][]byte
		if err := top.ForEach(func(k, _ []byte) error { names = append(names, bytes.Clone(k)); return nil }); err != nil {
			return err
		}
		if len(names) != 2 || string(names[0]) != "acme" || string(names[1]) != "b" {
			t.Errorf("ForEach saw %q", names)
		}
		c := top.Bucket([]byte("acme")).Cursor()
		var got string
		for k, v := c.Seek([]byte{2}); k != nil; k, v = c.Next() {
			got += string(v)
		}
		if k, _ := c.First(); got != "bc" || !bytes.Equal(k, []byte{2}) {
			t.Errorf("cursor read %q, first %v", got, k)
		}
		return top.DeleteBucket([]byte("acme")) // refused: read-only
	})
	if err == nil {
		t.Error("View allowed a write")
	}
}
