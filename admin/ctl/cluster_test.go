package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sluice/admin"
)

// fakeCluster answers a fixed status.
type fakeCluster admin.ClusterStatus

func (f fakeCluster) ClusterStatus(context.Context) admin.ClusterStatus {
	return admin.ClusterStatus(f)
}

// TestClusterStatus: `ctl cluster status` prints the live nodes as a table
// and the API's document with --json, through admin.WithCluster (token
// required), and /healthz carries Redis's health as a detail line.
func TestClusterStatus(t *testing.T) {
	t.Parallel()
	started := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	st := fakeCluster{NodeID: "a", Redis: admin.RedisHealth{Up: false, Errors: 3, OutboxDepth: 2},
		Nodes: []admin.ClusterNode{{ID: "a", Version: "v1", QueueDepth: 12, Started: started, LastSeen: started.Add(time.Minute)},
			{ID: "b", Version: "v1", QueueDepth: 0, Started: started, LastSeen: started}}}
	inner := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(admin.WithCluster(inner, "tok", st))
	t.Cleanup(srv.Close)
	c := &client{base: strings.TrimPrefix(srv.URL, "http://"), token: "tok", http: srv.Client()}

	var buf, errb bytes.Buffer
	if err := cluster(c, "status", nil, out{w: &buf}, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"node: a", "redis: DOWN", "outbox 2", "NODE", "a     v1", "12", "2030-01-02T03:04:05Z", "b "} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := cluster(c, "status", nil, out{w: &buf, json: true}, &errb); err != nil {
		t.Fatal(err)
	}
	var got admin.ClusterStatus
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got.Nodes) != 2 || got.Nodes[0].QueueDepth != 12 || got.Redis.Errors != 3 {
		t.Fatalf("--json: %v %s", err, buf.String())
	}
	if err := cluster(c, "nodes", nil, out{w: &buf}, &errb); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
	bad := &client{base: strings.TrimPrefix(srv.URL, "http://"), token: "wrong", http: srv.Client()}
	if err := cluster(bad, "status", nil, out{w: &buf}, &errb); err == nil {
		t.Fatal("wrong token accepted")
	}
	resp, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || body.String() != "ok\nredis: down (degraded)\n" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body.String())
	}
	if r, err := srv.Client().Get(srv.URL + "/api/v1/other"); err != nil || r.StatusCode != http.StatusTeapot {
		t.Fatalf("other paths must reach the admin handler: %v", err)
	}
}

// TestClusterStatusSingleNode: a node without [cluster] redis serves no
// cluster endpoint; ctl says fleet mode is off (table and --json) rather
// than failing with a bare 404.
func TestClusterStatusSingleNode(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	c := &client{base: strings.TrimPrefix(srv.URL, "http://"), token: "tok", http: srv.Client()}
	var buf, errb bytes.Buffer
	if err := cluster(c, "status", nil, out{w: &buf}, &errb); err != nil || !strings.Contains(buf.String(), "fleet mode is off") {
		t.Fatalf("table: %v %q", err, buf.String())
	}
	buf.Reset()
	if err := cluster(c, "status", nil, out{w: &buf, json: true}, &errb); err != nil || strings.TrimSpace(buf.String()) != `{"mode":"single"}` {
		t.Fatalf("--json: %v %q", err, buf.String())
	}
}
