package events

import (
	"errors"
	"testing"
)

// A Ref drops and refuses before Set, and is the store after it.
func TestRef(t *testing.T) {
	t.Parallel()
	var r Ref
	if r.Record(Event{Kind: KindOpen, Tenant: "acme"}) {
		t.Fatal("Record before Set accepted")
	}
	if err := r.View(func(*Tx) error { return nil }); !errors.Is(err, ErrNotOpen) {
		t.Fatalf("View before Set: %v", err)
	}
	if err := r.Update(func(*Tx) error { return nil }); !errors.Is(err, ErrNotOpen) {
		t.Fatalf("Update before Set: %v", err)
	}
	s, _ := openStore(t, Options{})
	r.Set(s)
	if !r.Record(Event{Kind: KindOpen, Tenant: "acme", Message: msgID(t0, 1)}) {
		t.Fatal("Record after Set refused")
	}
	flush(t, s)
	if st := stats(t, s, "acme", ""); st.Opens != 1 {
		t.Fatalf("stats after a recorded open: %+v", st)
	}
	if err := r.Update(func(tx *Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("test_ref"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.View(func(tx *Tx) error {
		if tx.Bucket([]byte("test_ref")) == nil {
			t.Error("Update through the Ref was not committed")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
