package submit

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"sluice/mta/guard"
)

// The review's finding 6: an authenticated session leaves every
// per-address and pre-auth cap, so one tenant (or its stolen
// credentials) from a few addresses could hold every connection. Each
// tenant now has a cap checked when its AUTH succeeds: over it the client
// gets 421 4.7.0 and is disconnected (counted as tenant_sessions), other
// tenants are unaffected, and a session that ends frees its place.
func TestTenantSessionCap(t *testing.T) {
	t.Parallel()
	ts, gl := guardedWith(t, guard.ListenerConfig{}, Config{MaxSessionsPerTenant: 2},
		&Tenant{Name: "acme", Username: "acme", SenderDomains: []string{"acme.example"}},
		&Tenant{Name: "beta", Username: "beta", SenderDomains: []string{"beta.example"}, MaxSessions: 1},
		&Tenant{Name: "big", Username: "big", SenderDomains: []string{"big.example"}, MaxSessions: -1})
	first := rawFrom(t, "127.0.0.2", ts.addr).login("acme")
	rawFrom(t, "127.0.0.3", ts.addr).login("acme")
	over := rawFrom(t, "127.0.0.4", ts.addr)
	cred := base64.StdEncoding.EncodeToString([]byte("\x00acme\x00" + testPassword))
	if got := over.cmd("AUTH PLAIN " + cred); !strings.HasPrefix(got, "421 4.7.0 Too many concurrent sessions for this account") {
		t.Fatalf("third acme session: %q, want 421 4.7.0", got)
	}
	if got := over.replyOrEmpty(); got != "" {
		t.Fatalf("after the 421 the server said %q, want the connection closed", got)
	}
	if n := ts.rejected("tenant_sessions"); n != 1 {
		t.Fatalf("tenant_sessions counted %d times, want 1", n)
	}
	// Another tenant, with its own cap of 1, and one with no cap.
	rawFrom(t, "127.0.0.4", ts.addr).login("beta")
	second := rawFrom(t, "127.0.0.5", ts.addr)
	second.want(second.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00beta\x00"+testPassword))), "421 4.7.0")
	for i := range 5 {
		rawFrom(t, fmt.Sprintf("127.0.1.%d", i+1), ts.addr).login("big")
	}
	// A session that ends frees its place.
	first.cmd("QUIT")
	waitFor(t, func() bool { return ts.b.TenantSessions("acme") == 1 })
	c := rawFrom(t, "127.0.0.6", ts.addr).login("acme")
	if got := c.send("a@acme.example", "r@example.net", "From: a@acme.example\r\n\r\nhi\r\n.\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("acme after a session ended: %q", got)
	}
	// A refused connection keeps its place while the guard drains what
	// the client sent (at most a second), then gives it back.
	waitFor(t, func() bool { return gl.Stats().PreAuth == 0 })
}

// waitFor polls cond for up to 10s: sessions end asynchronously after
// their connection closes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
