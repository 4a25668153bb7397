package admin

import (
	"path/filepath"
	"testing"

	"sluice/mta/shaping"
)

// TestGates: nil gates are nil interfaces (not interfaces holding nil
// pointers), and gates that exist are handed through.
func TestGates(t *testing.T) {
	t.Parallel()
	if g := Gates(nil, nil); g.Warmup != nil || g.Blocklist != nil {
		t.Fatalf("Gates(nil, nil) = %#v, want nil interfaces", g)
	}
	b, err := shaping.NewBlocklist(shaping.BlocklistOptions{Path: filepath.Join(t.TempDir(), "blocklist.json")})
	if err != nil {
		t.Fatal(err)
	}
	if g := Gates(nil, b); g.Warmup != nil || g.Blocklist != Blocklists(b) {
		t.Fatalf("Gates(nil, b) = %#v", g)
	}
}
