package readahead

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReadsTheWholeFile: left alone, Start reads the file to
// its end (what puts a crashed spool in the page cache ahead of bbolt's
// freelist walk) and reports every byte.
func TestReadsTheWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	size := 3*Chunk + 17
	if err := os.WriteFile(path, bytes.Repeat([]byte{1}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 1)
	stop := Start(path, func(n int64) { got <- n })
	defer stop()
	select {
	case n := <-got:
		if n != int64(size) {
			t.Fatalf("Start read %d bytes of %d", n, size)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Start never reached the end of a 3 MiB file")
	}
}

// TestStops: stop ends the read at once rather than at the end of
// the file (after a clean Close, bolt.Open needs none of it).
func TestStops(t *testing.T) {
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
	stop := Start(path, func(n int64) { got = n })
	stop()
	if got < 0 || got >= size {
		t.Fatalf("Start read %d bytes of %d after stop (want fewer, and a report)", got, int64(size))
	}
	if Start(filepath.Join(t.TempDir(), "missing"), nil) == nil {
		t.Fatal("Start on a missing file returned no stop")
	}
}
