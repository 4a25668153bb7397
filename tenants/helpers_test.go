package tenants

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sluice/internal/clock"
)

// openStore opens a store in a temporary directory with one clock and the
// cheapest bcrypt cost; seeds are the config's tenants.
func openStore(t *testing.T, seeds ...Seed) *Store {
	t.Helper()
	now := clock.Now().Truncate(time.Second)
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "tenants.db"), Seeds: seeds,
		BcryptCost: bcrypt.MinCost, Now: func() time.Time { return now },
		ReturnPathTarget: "bounces.esp.test", TrackingTarget: "edge.esp.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustCreate creates tenant name or fails the test.
func mustCreate(t *testing.T, s *Store, name string) {
	t.Helper()
	if _, err := s.CreateTenant("test", Tenant{Name: name}); err != nil {
		t.Fatal(err)
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
