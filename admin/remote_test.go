package admin

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluice/queue"
)

// RemoteSuppressor goes through the real admin API: the suppression is in
// the spool when Suppress returns, the audit log names the edge, and a
// refusal (bad token, no address) is an error, never a silent success.
func TestRemoteSuppressor(t *testing.T) {
	f := newFixture(t)
	client := &http.Client{Timeout: 10 * time.Second}
	r := RemoteSuppressor{URL: f.srv.URL + "/", Token: testToken, Client: client}
	sup := queue.Suppression{Tenant: "acme", Addr: "bob@example.org", Scope: queue.ScopeAll, Reason: "unsubscribe"}
	if err := r.Suppress(context.Background(), sup); err != nil {
		t.Fatal(err)
	}
	got, ok := f.spool.Suppressed("acme", "bob@example.org")
	if !ok || got.Reason != "unsubscribe" || got.Scope != queue.ScopeAll {
		t.Fatalf("spool has %+v, %v; want the unsubscribe", got, ok)
	}
	if !strings.Contains(f.logs.String(), `"actor":"edge"`) {
		t.Errorf("audit log does not name the edge: %s", f.logs.String())
	}
	for name, bad := range map[string]RemoteSuppressor{
		"bad token":  {URL: f.srv.URL, Token: "wrong", Client: client},
		"no address": r,
	} {
		s := sup
		if name == "no address" {
			s.Addr = ""
		}
		if err := bad.Suppress(context.Background(), s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Suppress(ctx, sup); err == nil {
		t.Error("cancelled context: no error")
	}
}
