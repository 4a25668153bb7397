package ctl

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"sluice/admin"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
	"sluice/reputation"
	"sluice/tenants"
)

// The transactional permission through ctl and the admin API over
// loopback: new tenants start without it (ctl and a raw API body that
// does not name it), --transactional grants and withdraws it (audited in
// the store's trail and the admin log), and create, update, list, show
// and status print it; a value that is no boolean is a usage error.
func TestTenantTransactionalCommands(t *testing.T) {
	t.Parallel()
	dns := dnstest.NewServer(t)
	n := newNode(t, withTenants(t, dns), func(c *admin.Config) {
		g, err := reputation.New(reputation.Config{}, reputation.Deps{Holds: c.Queue.(*queue.Store),
			Receiver: func(uint64, uint32) (string, string, bool) { return "", "", false },
			Logger:   slog.New(slog.DiscardHandler), Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		c.Reputation = g
		st := c.TenantStore.(*tenants.Store)
		c.TenantNames = func() []string { names, _ := st.StoredTenants(); return names }
	})

	if out := n.ok("tenant", "create", "shop"); !strings.Contains(out, "transactional=false") {
		t.Fatalf("create: %s", out)
	}
	if out := n.ok("tenant", "create", "bank", "--transactional", "--display-name", "Bank"); !strings.Contains(out, "transactional=true") {
		t.Fatalf("create --transactional: %s", out)
	}
	if out := n.ok("tenant", "status", "shop"); !strings.Contains(out, "transactional: refused") {
		t.Fatalf("status of a new tenant: %s", out)
	}
	if out := n.ok("tenant", "update", "shop", "--transactional=true"); !strings.Contains(out, "transactional=true") {
		t.Fatalf("update: %s", out)
	}
	out := n.ok("tenant", "show", "shop")
	for _, want := range []string{"transactional: true", "tenant.create", "transactional=false", "tenant.update", "transactional=true"} {
		if !strings.Contains(out, want) {
			t.Fatalf("show lacks %q:\n%s", want, out)
		}
	}
	if out := n.ok("tenant", "status", "shop"); !strings.Contains(out, "transactional: allowed") {
		t.Fatalf("status once granted: %s", out)
	}
	if out := n.ok("tenant", "update", "bank", "--transactional", "false"); !strings.Contains(out, "transactional=false") {
		t.Fatalf("update --transactional false: %s", out)
	}
	if out := n.ok("tenant", "status", "acme"); !strings.Contains(out, "transactional: allowed") {
		t.Fatalf("status of a config tenant: %s", out)
	}
	out = n.ok("tenant", "list")
	if !strings.Contains(out, "TRANSACTIONAL") {
		t.Fatalf("list: %s", out)
	}
	var list struct {
		Tenants []tenants.Tenant `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(n.ok("tenant", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tn := range list.Tenants {
		got[tn.Name] = tn.Transactional
	}
	if !got["acme"] || got["bank"] || !got["shop"] {
		t.Fatalf("list --json: %v", got)
	}
	if code, _, _ := n.ctl("tenant", "update", "shop", "--transactional=maybe"); code != 2 {
		t.Fatalf("--transactional=maybe: exit %d, want 2", code)
	}
	logs := n.logs.String()
	if !strings.Contains(logs, `"msg":"admin: tenant update"`) || !strings.Contains(logs, `"transactional":true`) {
		t.Fatalf("admin log lacks the grant: %s", logs)
	}

	// A client of the API that does not name the field onboards a
	// tenant without it too.
	req, err := http.NewRequest(http.MethodPost, "http://"+n.addr+"/api/v1/tenants", strings.NewReader(`{"name":"raw"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || resp.StatusCode != http.StatusOK || raw["transactional"] != false {
		t.Fatalf("raw create: %d %s", resp.StatusCode, body)
	}
}
