package events

import (
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestInTx: the hook sees each batch's stored events as applied (time set,
// campaign filled in; anonymous ones left out), writes in the batch's
// transaction, and an error from it rolls the whole batch back.
func TestInTx(t *testing.T) {
	t.Parallel()
	var seen []Event
	fail := false
	s, _ := openStore(t, Options{InTx: func(tx *bolt.Tx, evs []Event) error {
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
	err := s.DB().View(func(tx *bolt.Tx) error {
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
