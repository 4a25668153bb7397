package fleet

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestNodeID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id, err := NodeID(dir, "")
	if err != nil || !regexp.MustCompile(`^[a-z2-7]{8}$`).MatchString(id) {
		t.Fatalf("generated %q, %v", id, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "node_id")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("node_id file: %v %v", fi, err)
	}
	if again, err := NodeID(dir, ""); err != nil || again != id {
		t.Fatalf("read back %q, %v; want %q", again, err, id)
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{{"mta-1", true}, {"a", true}, {"0123456789abcdef", true}, {"", true},
		{"0123456789abcdefg", false}, {"MTA1", false}, {"-a", false}, {"a_b", false}, {"a:b", false}} {
		got, err := NodeID(dir, tc.id)
		if (err == nil) != tc.ok || tc.ok && tc.id != "" && got != tc.id {
			t.Errorf("NodeID(%q) = %q, %v; want ok=%v", tc.id, got, err, tc.ok)
		}
	}
}
