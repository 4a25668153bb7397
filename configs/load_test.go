package configs

import (
	"strings"
	"testing"
	"time"
)

// TestValidateChecksCluster: [cluster] is checked with every other
// section, when the file is loaded, not only when serve starts fleet mode;
// and its defaults are filled by fill, the one place defaults are set.
func TestValidateChecksCluster(t *testing.T) {
	t.Parallel()
	if _, err := Parse("[cluster]\nredis = \"http://r:6379\"\n"); err == nil || !strings.Contains(err.Error(), "cluster.redis:") {
		t.Fatalf("Parse: error %v, want one naming cluster.redis", err)
	}
	cfg := Default()
	cfg.Cluster.NodeID = "Node_1"
	cfg.Cluster.Redis = "redis://r:6379"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "cluster.node_id:") {
		t.Fatalf("Validate: error %v, want one naming cluster.node_id", err)
	}
	cfg, err := Parse("[cluster]\nredis = \"redis://r:6379\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Cluster; c.Prefix != defaultClusterPrefix || c.LeaseTTL.Duration != 15*time.Second || c.StreamMaxLen != defaultClusterStreamMaxLen {
		t.Fatalf("cluster defaults not filled by Parse: %+v", c)
	}
}
