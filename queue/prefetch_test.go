package queue

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestPrefetchReadsTheWholeFile: left alone, prefetch reads the file to
// its end (what puts a crashed spool in the page cache ahead of bbolt's
// freelist walk) and reports every byte.
func TestPrefetchReadsTheWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	size := 3*prefetchChunk + 17
	if err := os.WriteFile(path, bytes.Repeat([]byte{1}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 1)
	stop := prefetch(path, func(n int64) { got <- n })
	defer stop()
	select {
	case n := <-got:
		if n != int64(size) {
			t.Fatalf("prefetch read %d bytes of %d", n, size)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("prefetch never reached the end of a 3 MiB file")
	}
}

// TestPrefetchStops: stop ends the read at once rather than at the end of
// the file (after a clean Close, bolt.Open needs none of it).
func TestPrefetchStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const size = 8 << 30 // sparse: reads zeros, seconds to read whole
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var got int64 = -1
	stop := prefetch(path, func(n int64) { got = n })
	stop()
	if got < 0 || got >= size {
		t.Fatalf("prefetch read %d bytes of %d after stop (want fewer, and a report)", got, int64(size))
	}
	if prefetch(filepath.Join(t.TempDir(), "missing"), nil) == nil {
		t.Fatal("prefetch of a missing file returned no stop")
	}
}

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
