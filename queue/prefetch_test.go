package queue

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestOpenAfterCrashPrefetches: Open of a spool whose last commit left no
// freelist (as a crash does) runs the prefetch, and the spool opens whole.
func TestOpenAfterCrashPrefetches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	fillSpool(t, path, 2000)
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // bbolt's own Close writes no freelist
		t.Fatal(err)
	}
	ran := false
	s, err := Open(path, Options{prefetched: func(int64) { ran = true }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !ran {
		t.Fatal("Open did not prefetch the spool file")
	}
	if q, _, _, _, _ := s.Counts(); q != 2000 {
		t.Fatalf("reopened with %d queued, want 2000", q)
	}
}
