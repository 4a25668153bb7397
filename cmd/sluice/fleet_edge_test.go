package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/admin"
	"sluice/fleet"
	"sluice/fleet/redistest"
	"sluice/internal/clock"
	"sluice/tracking/token"
)

// startRedisEdge runs a standalone `sluice edge` in the fleet on redisURL
// ([cluster], no tracking.suppress_via: no node stands behind its
// unsubscribes) with the fleet's secret, and returns its address.
func startRedisEdge(t *testing.T, redisURL string) string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	conf := fmt.Sprintf("data_dir = %q\n[log]\nlevel = \"warn\"\n[tracking]\nlisten = %q\ntoken_secret = %q\n"+
		"[admin]\nlisten = %q\n[cluster]\nredis = %q\nstats_every = \"1s\"\n",
		filepath.Join(dir, "edge-data"), addr, fleetSecret, freeAddr(t), redisURL)
	path := filepath.Join(dir, "edge.toml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startChild(t, "edge", path, addr)
	return addr
}

// TestFleetEdgeOnRedis: a standalone edge on the fleet's Redis takes a
// one-click unsubscribe with no node's admin API behind it, and every
// node refuses that address's marketing mail; its clicks are in `ctl
// stats` at a node, under an edge's id.
func TestFleetEdgeOnRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process fleet test skipped in -short mode")
	}
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	nodes, kr := startFleet(t, fleetSpec{redisURL: srv.URL(), cluster: `stats_every = "1s"`}, "a", "b")
	edge := startRedisEdge(t, srv.URL())

	const unsub = "out@example.net"
	tok, err := kr.Seal(token.Claims{Kind: token.Unsubscribe, Tenant: "acme", Message: 7, Addr: unsub, Issued: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if code := oneClick(t, nil, "http://"+edge+"/u/"+tok); code != http.StatusOK {
		t.Fatalf("one-click at the edge: %d", code)
	}
	for _, n := range nodes {
		waitFor(t, 5*time.Second, func() bool { return submitCode(t, n.submit, unsub) == 550 })
	}

	accepted := clock.Now().Add(-time.Hour) // outside the scanner window
	click, err := kr.Seal(token.Claims{Kind: token.Click, Tenant: "acme", Message: uint64(accepted.UnixMicro()),
		Rcpt: 1, Link: 1, URL: "https://acme.example/", Issued: accepted})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, "http://"+edge+"/c/"+click, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("click at the edge: %d", resp.StatusCode)
	}
	var st admin.TenantStats
	waitFor(t, 10*time.Second, func() bool {
		req, _ := http.NewRequest(http.MethodGet, "http://"+nodes[1].adminAt+"/api/v1/stats?tenant=acme", nil)
		req.Header.Set("Authorization", "Bearer t0ken")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&st) == nil && st.Clicks == 1 && st.Unsubscribes == 1
	})
	var edgeListed bool
	for _, n := range st.Fleet.Nodes {
		edgeListed = edgeListed || strings.HasPrefix(n.ID, fleet.EdgeIDPrefix) && !n.Stale
	}
	if !edgeListed {
		t.Errorf("the edge is not among the fleet's statistics nodes: %+v", st.Fleet)
	}
}
