package queue

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestStreamHold: a stream hold of acme's marketing sets aside acme's
// marketing recipients, durably, while acme's transactional mail and
// another tenant's marketing are claimed; Resume puts them back.
func TestStreamHold(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	s := openStore(t, path, clk, Options{})
	ctx := context.Background()
	put := func(tenant string, st Stream) ID {
		t.Helper()
		m := &Message{ID: s.NewID(), Tenant: tenant, From: "x@" + tenant + ".example", Rcpts: []string{"r@y.example"},
			Stream: st, Created: clk.Now(), Body: []byte("Subject: hi\r\n\r\nbody\r\n")}
		if err := s.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	mk := put("Acme", Marketing)
	tr := put("Acme", Transactional)
	other := put("globex", Marketing)
	if err := s.SuspendUntil(ctx, "stream", StreamHoldName("Acme", Marketing), "reputation", "complaint rate", clk.Now()); err == nil {
		t.Fatal("a hold ending now was accepted")
	}
	if err := s.SuspendUntil(ctx, "stream", StreamHoldName("Acme", Marketing), "reputation", "complaint rate", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := claimedIDs(t, s); !slices.Equal(got, []ID{tr, other}) {
		t.Fatalf("claimed %v, want %v (transactional) and %v (other tenant) only", got, tr, other)
	}
	s.Close()
	s = openStore(t, path, clk, Options{})
	if h := s.Holds(); len(h) != 1 || h[0].Kind != "stream" || h[0].Name != "acme/marketing" || h[0].Reason != "complaint rate" {
		t.Fatalf("holds after restart = %+v", h)
	}
	if n, err := s.Resume(ctx, "stream", "acme/marketing"); err != nil || n != 1 {
		t.Fatalf("resume = %d, %v; want 1 released", n, err)
	}
	if got := claimedIDs(t, s); !slices.Contains(got, mk) {
		t.Fatalf("after resume claimed %v, want %v among them", got, mk)
	}
}

// TestStreamHoldNames: a stream hold needs tenant/marketing or
// tenant/transactional; a tenant name may itself hold a slash.
func TestStreamHoldNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"acme/marketing", true}, {"ACME/Transactional", true}, {"a/b/marketing", true},
		{"acme", false}, {"/marketing", false}, {"acme/", false}, {"acme/bulk", false}, {"", false},
	} {
		_, err := holdKey("stream", tc.name)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadHold)) {
			t.Errorf("holdKey(stream, %q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
