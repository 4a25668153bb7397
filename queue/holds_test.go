package queue

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// claimedIDs claims everything due and returns the messages claimed.
func claimedIDs(t *testing.T, s *Store) []ID {
	t.Helper()
	var ids []ID
	for _, w := range mustClaim(t, s) {
		ids = append(ids, w.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// TestHoldOneMessage: a hold of one message of three keeps its
// recipients from Claim while the other two are claimed, survives a
// restart, and Resume makes them due at once.
func TestHoldOneMessage(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := enqueue(t, s, clk, "a@x.example")
	b := enqueue(t, s, clk, "b1@x.example", "b2@y.example")
	c := enqueue(t, s, clk, "c@x.example")
	if err := s.Suspend(ctx, "message", b.String(), "ctl:ann"); err != nil {
		t.Fatal(err)
	}
	if got := claimedIDs(t, s); !slices.Equal(got, []ID{a, c}) {
		t.Fatalf("claimed %v, want %v and %v only (the middle one is held: Claim must give s.held the message id)", got, a, c)
	}
	if m, _ := s.Message(b); len(m.Rcpts) != 2 || !m.Rcpts[0].Held || !m.Rcpts[1].Held {
		t.Fatalf("held message's recipients not set aside: %+v", m.Rcpts)
	}
	s.Close()

	clk.Add(time.Hour)
	s = openStore(t, path, clk, Options{})
	if h := s.Holds(); len(h) != 1 || h[0].Kind != "message" || h[0].Name != b.String() || h[0].By != "ctl:ann" {
		t.Fatalf("holds after restart = %+v", h)
	}
	if got := claimedIDs(t, s); !slices.Equal(got, []ID{a, c}) { // in flight at the "crash": due again
		t.Fatalf("after restart claimed %v, want %v and %v only", got, a, c)
	}
	n, err := s.Resume(ctx, "message", b.String())
	if err != nil || n != 2 {
		t.Fatalf("release = %d, %v; want 2", n, err)
	}
	if got := claimedIDs(t, s); !slices.Equal(got, []ID{b}) {
		t.Fatalf("after release claimed %v, want %v", got, b)
	}
	if h := s.Holds(); len(h) != 0 {
		t.Fatalf("holds after release = %+v", h)
	}
}

// TestHoldMessageRefusals: a message hold names a message in the spool by
// its id.
func TestHoldMessageRefusals(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	if err := s.Suspend(ctx, "message", "not-an-id", "x"); err == nil {
		t.Fatal("a bad id accepted")
	}
	if err := s.Suspend(ctx, "message", ID(42).String(), "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hold of a message not in the spool: %v", err)
	}
	if err := s.SuspendUntil(ctx, "domain", "x.example", "x", "", clk.Now()); err == nil {
		t.Fatal("a hold ending now accepted")
	}
	if len(s.Holds()) != 0 {
		t.Fatalf("holds recorded: %+v", s.Holds())
	}
}

// TestDeleteAndEraseHeldMessage: a held message can be deleted (its hold
// goes with it) or have its recipient erased (LiftExpired then drops the
// hold of the message that is gone).
func TestDeleteAndEraseHeldMessage(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	del := enqueue(t, s, clk, "a@x.example", "b@x.example")
	era := enqueue(t, s, clk, "ann@x.example")
	for _, id := range []ID{del, era} {
		if err := s.Suspend(ctx, "message", id.String(), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if got := claimedIDs(t, s); len(got) != 0 {
		t.Fatalf("claimed %v", got)
	}
	aff, err := s.Delete(ctx, Filter{ID: del})
	if err != nil || len(aff) != 2 {
		t.Fatalf("delete = %+v, %v", aff, err)
	}
	if _, err := s.Message(del); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted message still there: %v", err)
	}
	if h := s.Holds(); len(h) != 1 || h[0].Name != era.String() {
		t.Fatalf("holds after delete = %+v", h)
	}
	sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EraseSubject(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Message(era); !errors.Is(err, ErrNotFound) {
		t.Fatalf("erased message still there: %v", err)
	}
	lifted, err := s.LiftExpired(ctx, clk.Now())
	if err != nil || len(lifted) != 1 || lifted[0].Name != era.String() || len(s.Holds()) != 0 {
		t.Fatalf("lift of the erased message's hold = %+v, %v; holds %+v", lifted, err, s.Holds())
	}
	if st := s.Stats(); st.Messages != 0 {
		t.Fatalf("stats after delete and erase: %+v", st)
	}
}

// TestTimedHoldLiftsAtItsEnd: a hold with an end keeps mail from Claim
// until that instant on the store's clock, not one second less; from the
// end on, Claim ignores it, and LiftExpired removes it and releases what
// it set aside. Its reason and end survive a restart.
func TestTimedHoldLiftsAtItsEnd(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	end := clk.Now().Add(2 * time.Hour)
	if err := s.SuspendUntil(ctx, "domain", "X.example", "ctl:ann", "disk full at the MX", end); err != nil {
		t.Fatal(err)
	}
	if err := s.SuspendUntil(ctx, "site", "gmail", "ctl:ann", "", end); err != nil {
		t.Fatal(err)
	}
	early := enqueue(t, s, clk, "a@x.example")
	if got := claimedIDs(t, s); len(got) != 0 {
		t.Fatalf("held mail claimed: %v", got)
	}
	s.Close()
	s = openStore(t, path, clk, Options{})
	want := Hold{Kind: "domain", Name: "x.example", By: "ctl:ann", Since: clk.Now(), Reason: "disk full at the MX", Until: end}
	if h := s.Holds(); len(h) != 2 || !sameHold(h[0], want) {
		t.Fatalf("holds after restart = %+v, want %+v first", h, want)
	}

	clk.Add(2*time.Hour - time.Second)
	if l, err := s.LiftExpired(ctx, clk.Now()); err != nil || len(l) != 0 {
		t.Fatalf("lifted one second before the end: %+v, %v", l, err)
	}
	enqueue(t, s, clk, "b@x.example")
	if got := claimedIDs(t, s); len(got) != 0 || !s.SiteHeld("gmail") {
		t.Fatalf("one second before the end: claimed %v, site held %v", got, s.SiteHeld("gmail"))
	}

	clk.Add(time.Second)
	late := enqueue(t, s, clk, "c@x.example")
	if got := claimedIDs(t, s); !slices.Equal(got, []ID{late}) || s.SiteHeld("gmail") {
		t.Fatalf("at the end, before lifting: claimed %v (want the new %v), site held %v", got, late, s.SiteHeld("gmail"))
	}
	lifted, err := s.LiftExpired(ctx, clk.Now())
	if err != nil || len(lifted) != 2 || !sameHold(lifted[0], want) {
		t.Fatalf("lifted %+v, %v", lifted, err)
	}
	if got := claimedIDs(t, s); len(got) != 2 || got[0] != early {
		t.Fatalf("after lifting claimed %v, want the two set aside", got)
	}
	if h := s.Holds(); len(h) != 0 {
		t.Fatalf("holds after lifting = %+v", h)
	}
}

func sameHold(a, b Hold) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.By == b.By && a.Since.Equal(b.Since) &&
		a.Reason == b.Reason && a.Until.Equal(b.Until)
}

// TestLiftExpiredKeepsResuspension: a hold suspended again at its end
// (with a new end, or none), after a listing showed it expired, is not
// lifted: LiftExpired decides on the stored hold.
func TestLiftExpiredKeepsResuspension(t *testing.T) {
	t.Parallel()
	for _, again := range []time.Duration{time.Hour, 0} {
		clk := newClock()
		s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
		ctx := context.Background()
		end := clk.Now().Add(time.Hour)
		if err := s.SuspendUntil(ctx, "tenant", "acme", "ctl:ann", "first", end); err != nil {
			t.Fatal(err)
		}
		enqueue(t, s, clk, "a@x.example")
		mustClaim(t, s)
		clk.Add(time.Hour)
		if h := s.Holds(); len(h) != 1 || !h[0].expired(clk.Now()) {
			t.Fatalf("listing at the end: %+v", h)
		}
		var until time.Time
		if again > 0 {
			until = clk.Now().Add(again)
		}
		if err := s.SuspendUntil(ctx, "tenant", "acme", "ctl:bob", "again", until); err != nil {
			t.Fatal(err)
		}
		lifted, err := s.LiftExpired(ctx, clk.Now())
		if err != nil || len(lifted) != 0 {
			t.Fatalf("re-suspension (%v) lifted: %+v, %v", again, lifted, err)
		}
		if h := s.Holds(); len(h) != 1 || h[0].By != "ctl:bob" || !h[0].Until.Equal(until) {
			t.Fatalf("holds = %+v", h)
		}
		if got := claimedIDs(t, s); len(got) != 0 {
			t.Fatalf("re-suspended mail claimed: %v", got)
		}
	}
}

// TestHoldRecordFrozen: the stored forms of a hold, frozen. Version 1 is
// what spools written before timed holds hold; it must keep decoding.
func TestHoldRecordFrozen(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	until := since.Add(90 * time.Minute)
	v1 := append([]byte{1}, binary.AppendVarint(nil, since.UnixNano())...)
	v1 = append(v1, 7, 'c', 't', 'l', ':', 'a', 'n', 'n')
	v2 := []byte{2, 0x80, 0x80, 0xdc, 0x93, 0xa8, 0xb3, 0xd5, 0xea, 0x31, 7, 'c', 't', 'l', ':', 'a', 'n', 'n',
		4, 'd', 'i', 's', 'k', 0x80, 0xc0, 0x83, 0xa5, 0xd1, 0xed, 0xd7, 0xea, 0x31}
	cases := []struct {
		name string
		v    []byte
		want Hold
	}{
		{"v1", v1, Hold{Kind: "domain", Name: "x.example", By: "ctl:ann", Since: since}},
		{"v2", v2, Hold{Kind: "domain", Name: "x.example", By: "ctl:ann", Since: since, Reason: "disk", Until: until}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeHold([]byte("domain:x.example"), c.v)
			if err != nil || !sameHold(got, c.want) {
				t.Fatalf("decode = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
	if got := cases[1].want.encode(); !bytes.Equal(got, v2) {
		t.Fatalf("encode = %#v, want the frozen %#v", got, v2)
	}
	for _, bad := range [][]byte{nil, {3}, v2[:len(v2)-1], {2, 0}} {
		h, err := decodeHold([]byte("message:00000000000000ff"), bad)
		if err == nil || h.Kind != "message" || h.Name != "00000000000000ff" {
			t.Errorf("decode %x = %+v, %v: want an error naming the hold", bad, h, err)
		}
	}
}
