package tenants

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/internal/clock"
	"sluice/mta/mx/dnstest"
)

// switchedDomain makes acme.example verified, rotated and switched: two
// retiring keys until the grace (1h) is over.
func switchedDomain(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	mustCreate(t, s, "acme")
	dns := dnstest.NewServer(t)
	r := &DNSResolver{Servers: []string{dns.Addr()}}
	_, recs, err := s.AddDomain("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	publish(dns, recs)
	if _, _, err := s.Verify(ctx, "op", "acme", "acme.example", r); err != nil {
		t.Fatal(err)
	}
	_, next, err := s.RotateDomain("op", "acme", "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	publish(dns, next)
	if _, _, err := s.Verify(ctx, "op", "acme", "acme.example", r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SwitchDomainKeys("op", "acme", "acme.example"); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is a log sink the sweep writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// The sweep keeps retiring keys within the grace, drops them at the first
// tick after it, logs it, and returns when its context ends.
func TestRunRetirement(t *testing.T) {
	t.Parallel()
	clk := &stepClock{t: clock.Now().UTC().Truncate(time.Second)}
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "tenants.db"), BcryptCost: bcrypt.MinCost,
		Now: clk.Now, RotationGrace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	switchedDomain(t, s)
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunRetirement(ctx, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	keys := func() int {
		d, err := s.Domain("acme.example")
		if err != nil {
			t.Fatal(err)
		}
		return len(d.Keys)
	}
	time.Sleep(20 * time.Millisecond) // a few ticks within the grace
	if n := keys(); n != 4 {
		t.Fatalf("%d keys within the grace, want 4", n)
	}
	clk.add(2 * time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for keys() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("retiring keys not dropped after the grace: %d keys", keys())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(logs.String(), "retired DKIM keys dropped") || !strings.Contains(logs.String(), "keys=2") {
		t.Fatalf("log: %s", logs.String())
	}
}

// NamesWith puts the configured tenants first, then the stored ones not
// among them.
func TestNamesWith(t *testing.T) {
	t.Parallel()
	s := openStore(t, Seed{Name: "seed", Domains: []string{"seed.example"}})
	mustCreate(t, s, "shop")
	mustCreate(t, s, "blog")
	got, err := s.NamesWith([]string{"seed", "shop"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got[2:])
	if want := []string{"seed", "shop", "blog"}; !slices.Equal(got, want) {
		t.Fatalf("NamesWith = %v, want %v", got, want)
	}
}
