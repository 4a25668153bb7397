package configs

import (
	"strings"
	"testing"
	"time"
)

func TestClusterResolve(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, toml, want string // want: "" = valid, else the key the error names
	}{
		{"absent: single node", "", ""},
		{"redis only", "[cluster]\nredis = \"redis://127.0.0.1:6379/0\"\n", ""},
		{"everything", "[cluster]\nredis = \"rediss://r.example:6380\"\npassword = \"pw\"\nprefix = \"{sl}:\"\nnode_id = \"mta-1\"\ntls_ca = \"/etc/ca.pem\"\nlease_ttl = \"30s\"\nstream_max_len = 5000\n", ""},
		{"bad scheme", "[cluster]\nredis = \"http://r:6379\"\n", "cluster.redis"},
		{"no host", "[cluster]\nredis = \"redis://\"\n", "cluster.redis"},
		{"not a url", "[cluster]\nredis = \"::nope\"\n", "cluster.redis"},
		{"ca without tls", "[cluster]\nredis = \"redis://r:6379\"\ntls_ca = \"/ca.pem\"\n", "cluster.tls_ca"},
		{"node id without redis", "[cluster]\nnode_id = \"a\"\n", "cluster.redis"},
		{"bad node id", "[cluster]\nredis = \"redis://r:6379\"\nnode_id = \"Node_1\"\n", "cluster.node_id"},
		{"long node id", "[cluster]\nredis = \"redis://r:6379\"\nnode_id = \"abcdefghijklmnopq\"\n", "cluster.node_id"},
		{"short ttl", "[cluster]\nredis = \"redis://r:6379\"\nlease_ttl = \"100ms\"\n", "cluster.lease_ttl"},
		{"short stream", "[cluster]\nredis = \"redis://r:6379\"\nstream_max_len = 10\n", "cluster.stream_max_len"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse(tc.toml)
			if err == nil {
				err = cfg.Cluster.Resolve()
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want+":")):
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestClusterDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("[cluster]\nredis = \"redis://127.0.0.1:6379\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Cluster.Resolve(); err != nil {
		t.Fatal(err)
	}
	c := cfg.Cluster
	if !c.Enabled() || c.Prefix != "sluice:" || c.LeaseTTL.Duration != 15*time.Second || c.StreamMaxLen != 1_000_000 || c.NodeID != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if d := Default(); d.Cluster.Enabled() {
		t.Fatal("the embedded default must be a single node, no Redis")
	}
}
