package webhook

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sluice/queue"
)

// TestStored: over the events store, a data subject's export and erasure
// reach the outbox's entries; without any endpoint neither reads the
// store (a nil one here) nor finds anything.
func TestStored(t *testing.T) {
	t.Parallel()
	f, ann, _, _ := erasureFixture(t)
	ctx := context.Background()
	s := Stored{Outbox: f.out, DB: f.store}
	if got, err := s.ExportRecipients(ctx, "acme", ann); err != nil || len(got) != 3 {
		t.Fatalf("export = %d entries, %v; want 3", len(got), err)
	}
	if n, err := s.EraseRecipients(ctx, "acme", ann); err != nil || n != 3 {
		t.Fatalf("erase = %d, %v; want 3", n, err)
	}
	if got, err := s.ExportRecipients(ctx, "acme", ann); err != nil || len(got) != 0 {
		t.Fatalf("export after erasure = %d entries, %v", len(got), err)
	}

	none, err := NewOutbox(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Stored{{Outbox: none}, {}} {
		if got, err := s.ExportRecipients(ctx, "acme", ann); got != nil || err != nil {
			t.Errorf("export without endpoints = %v, %v", got, err)
		}
		if n, err := s.EraseRecipients(ctx, "acme", ann); n != 0 || err != nil {
			t.Errorf("erase without endpoints = %d, %v", n, err)
		}
	}
}

// TestDirectoryRecipients: addresses come from the spool's directory, and
// only for the tenant whose message it is.
func TestDirectoryRecipients(t *testing.T) {
	t.Parallel()
	spool, err := queue.Open(filepath.Join(t.TempDir(), "spool.db"), queue.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	m := &queue.Message{ID: spool.NewID(), Tenant: "acme", From: "news@acme.example", Rcpts: []string{"ann@x.example", "Bob@y.example"},
		Created: t0, Body: []byte("Subject: hi\r\n\r\nbody\r\n")}
	if err := spool.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	rf := DirectoryRecipients(spool)
	for _, c := range []struct {
		tenant string
		rcpt   uint32
		want   string
	}{
		{"acme", 1, "Bob@y.example"},
		{"acme", 0, "ann@x.example"},
		{"other", 1, ""},
		{"acme", 2, ""},
	} {
		if got := rf(c.tenant, uint64(m.ID), c.rcpt); got != c.want {
			t.Errorf("recipient (%s, %d) = %q, want %q", c.tenant, c.rcpt, got, c.want)
		}
	}
	if got := rf("acme", uint64(m.ID)+1, 0); got != "" {
		t.Errorf("unknown message: %q", got)
	}
}
