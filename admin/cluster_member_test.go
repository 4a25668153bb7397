package admin

import (
	"testing"

	"sluice/fleet/redistest"
)

// TestMemberCluster: a fleet member reports itself, every live node
// (from their heartbeats, with their version) and Redis up; with Redis
// gone, Redis is down and Error says why, with no nodes listed.
func TestMemberCluster(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	a := joinFleet(t, newFixture(t), srv, "a", t.TempDir(), false)
	joinFleet(t, newFixture(t), srv, "b", t.TempDir(), false)
	c := MemberCluster{M: a.member}
	var st ClusterStatus
	waitUntil(t, "both nodes live", func() bool {
		st = c.ClusterStatus(t.Context())
		return len(st.Nodes) == 2
	})
	if st.NodeID != "a" || !st.Redis.Up || st.Error != "" || st.Nodes[0].Version != "test" || st.Nodes[0].Started.IsZero() {
		t.Fatalf("status with Redis up: %+v", st)
	}
	ids := map[string]bool{st.Nodes[0].ID: true, st.Nodes[1].ID: true}
	if !ids["a"] || !ids["b"] {
		t.Fatalf("nodes %+v, want a and b", st.Nodes)
	}
	srv.Kill()
	st = c.ClusterStatus(t.Context())
	if st.NodeID != "a" || st.Redis.Up || st.Error == "" || len(st.Nodes) != 0 {
		t.Fatalf("status with Redis down: %+v", st)
	}
}
