package fleet

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"sluice/fleet/redistest"
)

// TestNodeNumbersAreDistinctAndKept: three nodes get three different
// numbers, each stored in its data dir and given again at the next start
// (even after Redis lost its data, where it is claimed again so a new node
// does not get it).
func TestNodeNumbersAreDistinctAndKept(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	dirs := make([]string, 3)
	got := map[int]string{}
	for i := range dirs {
		dirs[i] = t.TempDir()
		id := "n" + strconv.Itoa(i)
		n, err := client(t, srv, id).NodeNumber(t.Context(), dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := got[n]; dup || n < 1 {
			t.Fatalf("node %s got number %d (also %q)", id, n, other)
		}
		got[n] = id
		if b, _ := os.ReadFile(filepath.Join(dirs[i], nodeNumberFile)); string(b) != strconv.Itoa(n)+"\n" {
			t.Fatalf("stored %q, want %d", b, n)
		}
	}
	srv.RestartEmpty()
	first, err := client(t, srv, "n0").NodeNumber(t.Context(), dirs[0])
	if err != nil || got[first] != "n0" {
		t.Fatalf("restart: number %d (%v), want n0's", first, err)
	}
	fresh, err := client(t, srv, "new").NodeNumber(t.Context(), t.TempDir())
	if err != nil || fresh == first {
		t.Fatalf("a new node after the wipe got %d (%v), the number n0 holds", fresh, err)
	}
}

func TestNodeNumberRefusesABadFile(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, nodeNumberFile), []byte("200\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, srv, "x").NodeNumber(t.Context(), dir); err == nil {
		t.Fatal("a number out of range was accepted")
	}
}
