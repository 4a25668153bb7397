package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/admin"
	"sluice/fleet/redistest"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/tenants"
)

// TestFleetTenantsAcrossProcesses is issue #20's fleet must-show: two
// `sluice serve` processes on one real redis-server; a tenant, its
// credential and a verified domain created through ctl on node A submit
// through node B within a second, signed there with the domain's keys
// made on A; a credential revoked on A is refused at B.
func TestFleetTenantsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	srv := redistest.Start(t, redistest.Config{})
	dns := dnstest.NewServer(t)
	sink := mtatest.NewSink(t, mtatest.SinkOptions{})
	type member struct{ submit, adminAt, cfgPath string }
	var nodes []member
	for _, id := range []string{"a", "b"} {
		dir := t.TempDir()
		m := member{submit: freeAddr(t), adminAt: freeAddr(t)}
		config := fmt.Sprintf(`data_dir = %q
hostname = "%s.fleet.test"
[log]
level = "warn"
[submission]
listen = %q
[inbound]
listen = %q
[tracking]
listen = %q
token_secret = %q
[admin]
listen = %q
token = "t0ken"
[cluster]
redis = %q
node_id = %q
[tenants]
resolvers = [%q]
bcrypt_cost = 4
[[tenant]]
name = "acme"
password_hash = %q
sender_domains = ["acme.example"]
[[route]]
domain = "*"
host = %q
`, filepath.Join(dir, "data"), id, m.submit, freeAddr(t), freeAddr(t), strings.Repeat("cd", 32), m.adminAt, srv.URL(), id, dns.Addr(),
			hashFor(t, "x"), sink.Addr())
		m.cfgPath, _ = writeConfig(t, filepath.Join(dir, "sluice.toml"), config)
		startChild(t, "serve", m.cfgPath, m.submit)
		nodes = append(nodes, m)
	}
	ctlAt := func(m member, args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := runCtl(append([]string{"--config", m.cfgPath}, args...), &out, &errb)
		return out.String() + errb.String(), code
	}
	a, b := nodes[0], nodes[1]
	mustCtl := func(args ...string) string {
		t.Helper()
		out, code := ctlAt(a, args...)
		if code != 0 {
			t.Fatalf("ctl %v at A: exit %d: %s", args, code, out)
		}
		return out
	}
	mustCtl("tenant", "create", "shop", "--transactional=true") // it sends transactional mail
	var cred admin.NewCredential
	decodeJSON(t, mustCtl("--json", "tenant", "credential", "add", "shop"), &cred)
	var added admin.DomainRecords
	decodeJSON(t, mustCtl("--json", "domain", "add", "--tenant", "shop", "shop.example"), &added)
	for _, rec := range added.Records {
		dns.AddTXT(rec.Name, rec.Value)
	}
	mustCtl("domain", "verify", "shop.example")
	start := time.Now()

	// B knows the verified domain once its replica imported the bundle.
	for {
		out, code := ctlAt(b, "--json", "domain", "show", "shop.example")
		var shown admin.DomainRecords
		if code == 0 && json.Unmarshal([]byte(out), &shown) == nil && shown.Domain.State == tenants.Verified {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("B does not show shop.example verified after 1s: %s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	submitB := func() error {
		_, err := mtatest.Submit(mtatest.Submission{Addr: b.submit, Username: cred.Username, Password: cred.Secret,
			From: "orders@shop.example", To: []string{"buyer@example.net"},
			Data: []byte("From: <orders@shop.example>\r\nTo: buyer@example.net\r\nSubject: hi\r\nX-Sluice-Stream: transactional\r\n\r\nhi\r\n")})
		return err
	}
	if err := submitB(); err != nil {
		t.Fatalf("shop's credential at B: %v", err)
	}
	took := time.Since(start)
	if took > time.Second {
		t.Fatalf("created at A, submitted at B after %v (want within 1s)", took)
	}
	t.Logf("tenant created at A submitted through B %v after its domain verified", took)
	got := sink.WaitRcpts(1, 10*time.Second)
	if len(got) != 1 || strings.Join(signingDomains(got[0].Data), ",") != "shop.example,shop.example" {
		t.Fatalf("sink: %d messages, want one signed by shop.example twice", len(got))
	}
	for _, k := range added.Domain.Keys {
		if !bytes.Contains(got[0].Data, []byte("s="+k.Selector+";")) {
			t.Fatalf("B did not sign with the selector %s made at A", k.Selector)
		}
	}

	// Revoked at A: refused at B once replicated.
	mustCtl("tenant", "credential", "revoke", "shop", cred.Username)
	for {
		out, _ := ctlAt(b, "--json", "tenant", "show", "shop")
		var d admin.TenantDetail
		if json.Unmarshal([]byte(out), &d) == nil && len(d.Credentials) == 1 && !d.Credentials[0].Revoked.IsZero() {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("revocation not at B: %s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := submitB(); mtatest.Code(err) != 535 {
		t.Fatalf("revoked credential at B: %v; want 535", err)
	}
}
