package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkSuppFilter fails t if a key of the suppression bucket is missing
// from s's filter while the filter is in use (filled, keys canonical):
// the invariant that makes its "no" safe. openStore checks it at every
// test's end, so every suppression path the package's tests take is
// checked. (Tests that fake an older spool by writing raw keys into an
// open one leave the marker hashed: the filter is not in use there.)
func checkSuppFilter(t testing.TB, s *Store) {
	t.Helper()
	if s.closed.Load() || !s.suppF.ready.Load() || !s.suppF.canon.Load() {
		return
	}
	f := s.suppF.f.Load()
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSupp).ForEach(func(k, _ []byte) error {
			if !f.has(k) {
				t.Errorf("suppression key %q is in the spool but not in the filter", k)
			}
			return nil
		})
	})
}

func waitSuppFilter(t *testing.T, s *Store) {
	t.Helper()
	for i := 0; !s.suppF.ready.Load(); i++ {
		if i > 2000 {
			t.Fatal("the suppression filter was not filled within 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Every way a suppression is written is seen by the filter, and a miss is
// answered by it alone.
func TestSuppFilterEveryWritePath(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	if err := s.SetFleetOutbox(ctx, false); err != nil { // as sluice serve does: the canonical-keys marker
		t.Fatal(err)
	}
	if !s.suppF.ready.Load() || !s.suppF.canon.Load() {
		t.Fatalf("filter ready %v, canonical %v after Open and SetFleetOutbox", s.suppF.ready.Load(), s.suppF.canon.Load())
	}
	if !s.notSuppressed("acme", "nobody@example.test") {
		t.Fatal("a miss on an empty table was not answered by the filter")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "One@Example.TEST.", Scope: ScopeAll, Reason: "admin", Source: "admin", Created: clk.Now()}))
	must(s.SuppressMany(ctx, []Suppression{{Tenant: "acme", Addr: "two@example.test", Scope: ScopeMarketing, Reason: "unsubscribe", Source: "edge", Created: clk.Now()}}))
	must(s.ApplyFleetSuppressions(ctx, []Suppression{{Tenant: "acme", Addr: "three@example.test", Scope: ScopeAll, Reason: "complaint", Source: "inbound", Created: clk.Now()}}))
	for i := 0; i < 3; i++ {
		_, err := s.RecordSoftFailure(ctx, "acme", "four@example.test", "soft_mailbox_full", "452 full", 3, time.Hour)
		must(err)
	}
	// An erasure keeps the suppression by hash only.
	must(s.Suppress(ctx, Suppression{Tenant: "acme", Addr: "five@example.test", Scope: ScopeAll, Reason: "admin", Source: "admin", Created: clk.Now()}))
	sub, err := s.FindSubject(ctx, "acme", "five@example.test")
	must(err)
	_, err = s.EraseSubject(ctx, sub)
	must(err)
	for _, a := range []string{"one@example.test", "two@example.test", "three@example.test", "four@example.test", "five@example.test"} {
		if s.notSuppressed("acme", a) {
			t.Errorf("the filter says %s is not suppressed", a)
		}
		if _, ok := s.Suppressed("acme", a); !ok {
			t.Errorf("%s is not suppressed", a)
		}
	}
	if !s.notSuppressed("acme", "six@example.test") || !s.notSuppressed("other", "one@example.test") {
		t.Error("misses (another address; another tenant) were not answered by the filter")
	}
	checkSuppFilter(t, s)
}

// Past the synchronous limit the filter fills in the background while
// suppressions keep being written: none is lost, and lookups are right
// before, during and after the fill.
func TestSuppFilterBackgroundFill(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "spool.db")
	ctx := context.Background()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var sups []Suppression
	for i := 0; i < 3000; i++ {
		sups = append(sups, Suppression{Tenant: "acme", Addr: fmt.Sprintf("old%d@example.test", i), Scope: ScopeAll, Reason: "admin", Source: "admin", Created: clk.Now()})
	}
	if err := s.SuppressMany(ctx, sups); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openStore(t, path, clk, Options{suppFilterSyncMax: 10, suppChunk: 50})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // writers racing the fill
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if err := s.Suppress(ctx, Suppression{Tenant: "acme", Addr: fmt.Sprintf("new%d@example.test", i), Scope: ScopeAll, Reason: "admin", Source: "admin", Created: clk.Now()}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < 3000; i += 97 { // lookups during the fill
		if _, ok := s.Suppressed("acme", fmt.Sprintf("old%d@example.test", i)); !ok {
			t.Fatalf("old%d is not suppressed during the fill", i)
		}
	}
	wg.Wait()
	waitSuppFilter(t, s)
	for i := 0; i < 3000; i++ {
		if _, ok := s.Suppressed("acme", fmt.Sprintf("old%d@example.test", i)); !ok {
			t.Fatalf("old%d is not suppressed after the fill", i)
		}
	}
	for i := 0; i < 200; i++ {
		if _, ok := s.Suppressed("acme", fmt.Sprintf("new%d@example.test", i)); !ok {
			t.Fatalf("new%d, written during the fill, is not suppressed", i)
		}
	}
	misses := 0
	for i := 0; i < 1000; i++ {
		if s.notSuppressed("acme", fmt.Sprintf("never%d@example.test", i)) {
			misses++
		}
	}
	if misses < 950 {
		t.Errorf("the filter answered %d of 1,000 misses, want most (false positives ~1 %%)", misses)
	}
	checkSuppFilter(t, s)
}

// A spool whose keys are not canonical yet (no marker: older forms must be
// probed) never lets the filter answer.
func TestSuppFilterNotUsedBeforeKeysAreCanonical(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	if s.notSuppressed("acme", "a@example.test") {
		t.Fatal("the filter answered before the keys were known canonical")
	}
	if err := s.SetFleetOutbox(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if !s.notSuppressed("acme", "a@example.test") {
		t.Fatal("the filter does not answer once the keys are canonical")
	}
}

func BenchmarkSuppressedMiss(b *testing.B) {
	clk := newClock()
	s := openStore(b, filepath.Join(b.TempDir(), "spool.db"), clk, Options{})
	if err := s.SetFleetOutbox(context.Background(), false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := s.Suppressed("acme", "rcpt@example.test"); ok {
			b.Fatal("suppressed")
		}
	}
}

// Keys past the filter's size make the Store build a larger one in the
// background; the lookups stay right throughout, and once it is built the
// misses are answered by the filter again.
func TestSuppFilterGrows(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{suppFilterMin: 64, suppChunk: 50})
	ctx := context.Background()
	if err := s.SetFleetOutbox(ctx, false); err != nil {
		t.Fatal(err)
	}
	first := s.suppF.f.Load()
	for b := 0; b < 20; b++ {
		var sups []Suppression
		for i := 0; i < 100; i++ {
			sups = append(sups, Suppression{Tenant: "acme", Addr: fmt.Sprintf("u%d-%d@example.test", b, i), Scope: ScopeAll, Reason: "admin", Source: "admin", Created: clk.Now()})
		}
		if err := s.SuppressMany(ctx, sups); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Suppressed("acme", fmt.Sprintf("u%d-%d@example.test", b, 99)); !ok {
			t.Fatalf("batch %d's last address is not suppressed", b)
		}
	}
	for i := 0; s.suppF.f.Load().capacity < 2000; i++ {
		if i > 2000 {
			t.Fatalf("the filter was not grown: capacity %d for 2,000 keys", s.suppF.f.Load().capacity)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.suppF.f.Load() == first {
		t.Fatal("still the first filter")
	}
	for b := 0; b < 20; b++ {
		for i := 0; i < 100; i++ {
			if _, ok := s.Suppressed("acme", fmt.Sprintf("u%d-%d@example.test", b, i)); !ok {
				t.Fatalf("u%d-%d is not suppressed after the growth", b, i)
			}
		}
	}
	misses := 0
	for i := 0; i < 1000; i++ {
		if s.notSuppressed("acme", fmt.Sprintf("never%d@example.test", i)) {
			misses++
		}
	}
	if misses < 900 {
		t.Errorf("after growing, the filter answered %d of 1,000 misses, want most", misses)
	}
	checkSuppFilter(t, s)
}
