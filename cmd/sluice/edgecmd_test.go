package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"sluice/configs"
	"sluice/internal/clock"
	"sluice/mta/mtatest"
	"sluice/mta/mx/dnstest"
	"sluice/queue"
	"sluice/tracking/token"
)

// TestStandaloneEdge runs `sluice edge` as its own process beside a node:
// a one-click unsubscribe at the edge lands in the node's spool (through
// its admin API) before the edge answers 200.
func TestStandaloneEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped in -short mode")
	}
	tn := startTestNode(t, mtatest.SinkOptions{}, func(cfg *configs.Config, _ *dnstest.Server) {
		cfg.Tracking.BaseURL = "http://edge.test"
	})
	secret, err := os.ReadFile(filepath.Join(tn.cfg.DataDir, "token.secret"))
	if err != nil {
		t.Fatal(err)
	}
	adminTok, err := os.ReadFile(filepath.Join(tn.cfg.DataDir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	edgeAddr := freeAddr(t)
	metricsAddr := freeAddr(t) // admin.listen: the edge's /metrics
	dir := t.TempDir()
	conf := fmt.Sprintf("data_dir = %q\n[tracking]\nlisten = %q\ntoken_secret = %q\nsuppress_via = %q\n[admin]\ntoken = %q\nlisten = %q\n",
		filepath.Join(dir, "edge-data"), edgeAddr, strings.TrimSpace(string(secret)),
		"http://"+tn.n.adminLn.Addr().String(), strings.TrimSpace(string(adminTok)), metricsAddr)
	path := filepath.Join(dir, "edge.toml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	edge := startChild(t, "edge", path, edgeAddr)
	cmd, logs := edge.cmd, edge.logs

	kr, err := tn.cfg.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := kr.Seal(token.Claims{Kind: token.Unsubscribe, Tenant: "acme", Message: 1, Addr: "zoe@example.test", Issued: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if code := oneClick(t, nil, "http://"+edgeAddr+"/u/"+tok); code != 200 {
		t.Fatalf("one-click at the standalone edge: %d\n%s", code, logs.String())
	}
	if sup, ok := tn.n.store.Suppressed("acme", "zoe@example.test"); !ok || sup.Scope != queue.ScopeMarketing {
		t.Fatalf("suppression not in the node's spool after the edge's 200: %+v %v", sup, ok)
	}
	// The edge has no admin API: admin.listen serves its /metrics.
	if text := scrape(t, "http://"+metricsAddr+"/metrics"); !strings.Contains(text, "sluice_tracking_requests_total") ||
		!strings.Contains(text, "sluice_build_info") {
		t.Errorf("the edge's /metrics lacks its tracking requests:\n%.2000s", text)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sluice edge exit: %v\n%s", err, logs.String())
	}
}
