package queue

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSuppressedFor: the scope decides which streams a suppression blocks
// at delivery (all: every stream; marketing: marketing only), for its
// tenant only.
func TestSuppressedFor(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := openStore(t, filepath.Join(t.TempDir(), "spool.db"), clk, Options{})
	ctx := context.Background()
	for _, sup := range []Suppression{
		{Tenant: "acme", Addr: "all@x.example", Scope: ScopeAll, Reason: "hard_invalid_recipient"},
		{Tenant: "acme", Addr: "mkt@x.example", Scope: ScopeMarketing, Reason: "unsubscribe"},
	} {
		if err := s.Suppress(ctx, sup); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		tenant, addr string
		st           Stream
		reason       string
		blocked      bool
	}{
		{"acme", "all@x.example", Transactional, "hard_invalid_recipient", true},
		{"acme", "ALL@x.example", Marketing, "hard_invalid_recipient", true},
		{"acme", "mkt@x.example", Marketing, "unsubscribe", true},
		{"acme", "mkt@x.example", Transactional, "", false},
		{"acme", "none@x.example", Marketing, "", false},
		{"zeta", "all@x.example", Marketing, "", false},
	} {
		reason, blocked := s.SuppressedFor(c.tenant, c.addr, c.st)
		if reason != c.reason || blocked != c.blocked {
			t.Errorf("SuppressedFor(%s, %s, %v) = %q, %v; want %q, %v", c.tenant, c.addr, c.st, reason, blocked, c.reason, c.blocked)
		}
	}
}
