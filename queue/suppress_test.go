package queue

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSuppressions(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	if _, ok := s.Suppressed("acme", "a@x.example"); ok {
		t.Fatal("suppressed before anything happened")
	}
	// A marketing unsubscribe blocks marketing only, for that tenant only.
	if err := s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "A@X.example", Scope: ScopeMarketing, Reason: "unsubscribe", Source: "edge"}); err != nil {
		t.Fatal(err)
	}
	sup, ok := s.Suppressed("acme", "a@x.EXAMPLE")
	if !ok || sup.Scope != ScopeMarketing || !sup.Scope.Blocks(Marketing) || sup.Scope.Blocks(Transactional) {
		t.Fatalf("unsubscribe: %+v %v", sup, ok)
	}
	if _, ok := s.Suppressed("other", "a@x.example"); ok {
		t.Fatal("suppression leaked to another tenant")
	}
	// A hard bounce widens it to all streams; a later unsubscribe does not
	// narrow it again.
	s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "a@x.example", Scope: ScopeAll, Reason: "hard_invalid_recipient"})
	s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "a@x.example", Scope: ScopeMarketing, Reason: "unsubscribe"})
	if sup, _ := s.Suppressed("acme", "a@x.example"); sup.Scope != ScopeAll || sup.Reason != "hard_invalid_recipient" {
		t.Fatalf("after bounce then unsubscribe: %+v", sup)
	}
	s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "b@x.example", Reason: "complaint"})
	s.Suppress(ctx, Suppression{Tenant: "zeta", Addr: "c@x.example", Reason: "admin"})
	list, err := s.ListSuppressions("acme", "", 10)
	if err != nil || len(list) != 2 || list[0].Addr != "a@x.example" || list[1].Addr != "b@x.example" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	page, _ := s.ListSuppressions("acme", "a@x.example", 10)
	if len(page) != 1 || page[0].Addr != "b@x.example" {
		t.Fatalf("page after a@ = %+v", page)
	}
	all, _ := s.ListSuppressions("", "", 10)
	if len(all) != 3 {
		t.Fatalf("all tenants: %d", len(all))
	}
	if existed, err := s.Unsuppress(ctx, "acme", "A@x.example"); err != nil || !existed {
		t.Fatalf("unsuppress: %v %v", existed, err)
	}
	if _, ok := s.Suppressed("acme", "a@x.example"); ok {
		t.Fatal("still suppressed after removal")
	}
}

func TestSoftFailuresSuppressAfterThreshold(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	rec := func() bool {
		ok, err := s.RecordSoftFailure(ctx, "acme", "full@x.example", "soft_mailbox_full", "452 4.2.2 full", 3, 7*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if first, second := rec(), rec(); first || second {
		t.Fatal("suppressed before the threshold")
	}
	clk.Add(8 * 24 * time.Hour) // the first two fall out of the window
	if first, second := rec(), rec(); first || second {
		t.Fatal("old failures counted")
	}
	if !rec() {
		t.Fatal("third failure within the window did not suppress")
	}
	if sup, ok := s.Suppressed("acme", "full@x.example"); !ok || sup.Reason != "soft_mailbox_full" || sup.Scope != ScopeAll {
		t.Fatalf("suppression = %+v %v", sup, ok)
	}
}

func TestDirectoryAndInbox(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	id := enqueue(t, s, clk, "a@x.example", "B@y.example")
	// The directory outlives the message.
	works, _ := s.Claim(ctx, 10, 10)
	var res []Result
	for _, w := range works {
		for _, r := range w.Rcpts {
			res = append(res, Result{ID: w.ID, Index: r.Index, Outcome: OutcomeDelivered})
		}
	}
	if err := s.Complete(ctx, res); err != nil {
		t.Fatal(err)
	}
	r, ok := s.LookupRecipient(id, 1)
	if !ok || r.Addr != "B@y.example" || r.Tenant != "acme" {
		t.Fatalf("lookup = %+v %v", r, ok)
	}
	if r, ok := s.FindRecipient(id, "b@Y.example"); !ok || r.Index != 1 {
		t.Fatalf("find = %+v %v", r, ok)
	}
	n, err := s.PurgeDirectory(ctx, clk.Now().Add(time.Second), 100)
	if err != nil || n != 2 {
		t.Fatalf("purge = %d, %v", n, err)
	}
	if _, ok := s.LookupRecipient(id, 1); ok {
		t.Fatal("entry survived the purge")
	}

	ret := &Return{Rcpt: "b.tok@bounces.example", Received: clk.Now(), Data: []byte("Subject: bounce\r\n\r\nx\r\n")}
	if err := s.AddReturn(ctx, ret); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingReturns(10)
	if err != nil || len(pending) != 1 || pending[0].Rcpt != ret.Rcpt || string(pending[0].Data) != string(ret.Data) || pending[0].ID != ret.ID {
		t.Fatalf("pending = %+v, %v", pending, err)
	}
	if err := s.DoneReturn(ctx, ret.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PendingReturns(10); len(p) != 0 {
		t.Fatal("return still pending after done")
	}
}

// After an erasure left a marketing-only hashed suppression, soft failures
// count under the hash: they are not reported as suppressed before the
// threshold, and reaching it widens the hashed entry to every stream
// without storing the address again.
func TestSoftFailuresAfterErasure(t *testing.T) {
	t.Parallel()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), newClock(), Options{})
	ctx := context.Background()
	if err := s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "ann@x.example", Scope: ScopeMarketing, Reason: "unsubscribe"}); err != nil {
		t.Fatal(err)
	}
	sub, err := s.FindSubject(ctx, "acme", "ann@x.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EraseSubject(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		got, err := s.RecordSoftFailure(ctx, "acme", "ann@x.example", "soft_mailbox_full", "452 ann@x.example full", 3, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if want := i == 3; got != want {
			t.Fatalf("soft failure %d: suppressed = %v, want %v", i, got, want)
		}
	}
	sup, ok := s.Suppressed("acme", "ann@x.example")
	if !ok || !sup.Hashed || sup.Scope != ScopeAll || sup.Reason != "soft_mailbox_full" || sup.Detail != "" {
		t.Fatalf("after the threshold: %+v %v, want a hashed all-stream suppression", sup, ok)
	}
	list, err := s.ListSuppressions("acme", "", 10)
	if err != nil || len(list) != 1 || strings.Contains(list[0].Addr, "ann") {
		t.Fatalf("suppressions = %+v, %v: want only the hashed one", list, err)
	}
	// Now suppressed for every stream: further soft failures say so.
	if got, err := s.RecordSoftFailure(ctx, "acme", "ann@x.example", "soft_mailbox_full", "", 3, time.Hour); err != nil || !got {
		t.Fatalf("after widening: %v, %v", got, err)
	}
}
