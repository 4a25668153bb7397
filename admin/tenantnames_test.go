package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestTenantNamesFunc: tenants listed by Config.TenantNames at the time
// of a request (a tenant created in the store after start) count like
// the configured ones for data subject requests and the suppression
// export; before they exist they are unknown (404).
func TestTenantNamesFunc(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var stored []string
	c := f.config()
	c.TenantNames = func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string{"acme"}, stored...) // a repeat is harmless
	}
	h, err := NewHandler(c)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	export := func() int {
		code, _ := f.do(http.MethodGet, "/api/v1/privacy/export?tenant=shop&address=kim@example.net", "")
		return code
	}
	if code := export(); code != http.StatusNotFound {
		t.Fatalf("export for a tenant not yet created: %d, want 404", code)
	}
	mu.Lock()
	stored = []string{"shop"}
	mu.Unlock()
	if code := export(); code != http.StatusOK {
		t.Fatalf("export for a tenant created since start: %d, want 200", code)
	}
	if code, _ := f.do(http.MethodPost, "/api/v1/suppressions", `{"tenant":"shop","address":"kim@example.net"}`); code/100 != 2 {
		t.Fatalf("suppress for shop: %d", code)
	}
	code, body := f.do(http.MethodGet, "/api/v1/suppressions/export", "")
	if code != http.StatusOK || !strings.Contains(string(body), "shop,kim@example.net") || strings.Count(string(body), "shop,kim@example.net") != 1 {
		t.Fatalf("export of every tenant: %d\n%s", code, body)
	}
}
