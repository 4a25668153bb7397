package reputation

import (
	"context"
	"sync"
	"testing"
	"time"

	"sluice/tracking/events"
)

// memShared is a Shared in memory: one node's view of a fleet whose
// other nodes counted others.
type memShared struct {
	mu     sync.Mutex
	others map[Scope]Counts // the other nodes' counts, read at Sync
	mine   map[Scope]Counts
	read   map[Scope]bool
	syncs  int
	claim  bool
	resets []string
}

func (m *memShared) Add(sc Scope, _ time.Time, c Counts) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.mine[sc]
	v.add(&c)
	m.mine[sc] = v
}

func (m *memShared) Sums(sc Scope, _ time.Time) (Counts, Counts, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.read[sc] {
		return Counts{}, Counts{}, false
	}
	v, o := m.mine[sc], m.others[sc]
	v.add(&o)
	return v, v, true
}

func (m *memShared) Sync(context.Context) ([]Scope, []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.syncs++
	var read []Scope
	for sc := range m.mine {
		m.read[sc] = true
		read = append(read, sc)
	}
	return read, nil
}

func (m *memShared) Reset(_ context.Context, tenant string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resets = append(m.resets, tenant)
	return nil
}

func (m *memShared) ClaimPause(context.Context, string) bool { return m.claim }

func newMemShared(claim bool) *memShared {
	return &memShared{others: map[Scope]Counts{}, mine: map[Scope]Counts{}, read: map[Scope]bool{}, claim: claim}
}

// TestSharedJudgesFleetSums: with a Shared, every count goes to it, the
// guard judges on the fleet's sums at Sync (the other nodes' complaints
// over this node's deliveries), a pause another node claimed emits no
// event here, and Resume resets the fleet's windows; before the fleet's
// sums are known, the guard judges on its own windows.
func TestSharedJudgesFleetSums(t *testing.T) {
	t.Parallel()
	for _, claim := range []bool{true, false} {
		f := newFixture(t, Config{}, domains("yahoo.com"))
		sh := newMemShared(claim)
		f.g.SetShared(sh)
		var others Counts
		others[cComplaint] = 10
		sh.others[Scope{Tenant: "acme"}] = others
		if at := f.send("Acme", "", 1, 2000, 0, 0, 0); at != 0 {
			t.Fatalf("paused at %d on its own windows, which have no complaints", at)
		}
		if got := sh.mine[Scope{Tenant: "acme"}][cFBL]; got != 2000 {
			t.Fatalf("Shared got %d deliveries, want 2000", got)
		}
		f.g.Sync(context.Background())
		if got := f.rec.kinds("Acme"); claim != (len(got) == 1 && got[0] == "paused:complaint_rate") {
			t.Fatalf("claim %v: events %v", claim, got)
		}
		if claim != f.paused("Acme") {
			t.Fatalf("claim %v: paused here %v", claim, f.paused("Acme"))
		}
		if claim {
			if _, err := f.g.Resume(context.Background(), "Acme", "ctl:test"); err != nil {
				t.Fatal(err)
			}
			if len(sh.resets) != 1 || sh.resets[0] != "acme" {
				t.Fatalf("resets = %v", sh.resets)
			}
		}
	}
}

// TestSharedSyncedByRun: Run syncs every SyncInterval.
func TestSharedSyncedByRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{SyncInterval: 5 * time.Millisecond}, domains("yahoo.com"))
	sh := newMemShared(true)
	f.g.SetShared(sh)
	bg := f.g.Start()
	f.g.Observe(context.Background(), events.Event{Kind: events.KindDelivered, Tenant: "acme", Message: 1})
	deadline := time.Now().Add(10 * time.Second)
	for {
		sh.mu.Lock()
		n := sh.syncs
		sh.mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not Sync")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := bg.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
