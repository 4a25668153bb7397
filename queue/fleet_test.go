package queue

import (
	"path/filepath"
	"testing"
)

func TestFleetOutboxOrderAndCursorSurviveReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := []FleetChange{
		{Suppression: Suppression{Tenant: "acme", Addr: "A@x.example", Scope: ScopeMarketing, Reason: "unsubscribe"}},
		{Lift: true, Suppression: Suppression{Tenant: "acme", Addr: "b@x.example"}},
		{Suppression: Suppression{Tenant: "acme", Addr: "c@x.example"}},
	}
	if err := s.FleetOutboxAdd(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFleetCursor(t.Context(), FleetCursor{Epoch: "e1", ID: "5-1"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.FleetOutbox(10)
	if err != nil || len(got) != 3 {
		t.Fatalf("outbox after reopen: %v, %v", got, err)
	}
	if got[0].Suppression.Addr != "a@x.example" || got[0].Suppression.Scope != ScopeMarketing ||
		!got[1].Lift || got[1].Suppression.Addr != "b@x.example" || got[2].Seq <= got[1].Seq {
		t.Fatalf("outbox = %+v", got)
	}
	if cur, err := s.FleetCursor(); err != nil || cur != (FleetCursor{Epoch: "e1", ID: "5-1"}) {
		t.Fatalf("cursor = %+v, %v", cur, err)
	}
	if err := s.FleetOutboxDone(t.Context(), got[1].Seq); err != nil {
		t.Fatal(err)
	}
	if rest, _ := s.FleetOutbox(10); len(rest) != 1 || rest[0].Seq != got[2].Seq {
		t.Fatalf("after done: %+v", rest)
	}
	if seq, _ := s.FleetOutboxSeq(); seq != got[2].Seq {
		t.Fatalf("FleetOutboxSeq = %d", seq)
	}
}

func TestFleetSuppressionsPagesAcrossTenants(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "spool.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sups []Suppression
	for _, tn := range []string{"a", "b", "c"} {
		for _, ad := range []string{"1@x", "2@x"} {
			sups = append(sups, Suppression{Tenant: tn, Addr: ad})
		}
	}
	if err := s.SuppressMany(t.Context(), sups); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var at, aa string
	for {
		page, err := s.FleetSuppressions(at, aa, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			seen = append(seen, p.Tenant+"/"+p.Addr)
		}
		at, aa = page[len(page)-1].Tenant, page[len(page)-1].Addr
	}
	if len(seen) != 6 || seen[0] != "a/1@x" || seen[5] != "c/2@x" {
		t.Fatalf("walked %v", seen)
	}
}
