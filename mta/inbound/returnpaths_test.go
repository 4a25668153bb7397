package inbound

import (
	"strings"
	"sync"
	"testing"

	"sluice/queue"
	"sluice/tracking/token"
)

// TestReturnPathsSwap: before any Set and after a Set with no bounce
// domain, Path keeps the submitted sender; a Set takes effect at the next
// call, and the paths it gives open to the message and recipient they
// name. Swaps race with readers without a data race (run with -race).
func TestReturnPathsSwap(t *testing.T) {
	t.Parallel()
	kr, err := token.NewKeyring(token.Key{ID: 1, Secret: []byte(strings.Repeat("r", token.MinSecret))})
	if err != nil {
		t.Fatal(err)
	}
	rp := &ReturnPaths{Tokens: KeyringTokens{Keyring: kr}}
	const id = queue.ID(1_900_000_000_000_002)
	w := &queue.Work{ID: id, Tenant: tenantA}
	r := queue.WorkRcpt{Index: 2}
	if got := rp.Path(w, r); got != "" {
		t.Fatalf("Path before any Set = %q, want \"\"", got)
	}
	rp.Set(map[string]string{tenantA: bounceDomain})
	got := rp.Path(w, r)
	local, ok := strings.CutSuffix(got, "@"+bounceDomain)
	if !ok || !strings.HasPrefix(local, "b.") {
		t.Fatalf("Path = %q, want b.<token>@%s", got, bounceDomain)
	}
	if gid, idx, ok := rp.Tokens.OpenBounce(local[2:]); !ok || gid != id || idx != 2 {
		t.Errorf("OpenBounce = %v, %d, %v; want %v, 2", gid, idx, ok, id)
	}
	rp.Set(map[string]string{tenantA: "other." + bounceDomain})
	if got := rp.Path(w, r); !strings.HasSuffix(got, "@other."+bounceDomain) {
		t.Errorf("Path after a swap = %q, want the new domain", got)
	}
	rp.Set(map[string]string{tenantA: ""})
	if got := rp.Path(w, r); got != "" {
		t.Errorf("Path after the bounce domain was removed = %q, want \"\"", got)
	}

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 200 {
			rp.Set(map[string]string{tenantA: bounceDomain})
			rp.Set(nil)
		}
	}()
	go func() {
		defer wg.Done()
		for range 200 {
			if got := rp.Path(w, r); got != "" && !strings.HasSuffix(got, "@"+bounceDomain) {
				t.Errorf("Path during swaps = %q", got)
				return
			}
		}
	}()
	wg.Wait()
}
