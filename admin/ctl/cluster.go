package ctl

import (
	"fmt"
	"io"
	"strings"

	"sluice/admin"
)

// cluster runs `ctl cluster status`: the fleet's live nodes and Redis's
// health as the node asked sees them.
func cluster(c *client, sub string, args []string, o out, stderr io.Writer) error {
	if sub != "status" || len(args) != 0 {
		return usageError(stderr, "cluster")
	}
	var st admin.ClusterStatus
	body, err := c.get("/api/v1/cluster", nil, &st)
	if err != nil && strings.Contains(err.Error(), "404 Not Found") {
		// A node without [cluster] redis serves no cluster endpoint.
		if o.json {
			_, werr := fmt.Fprintln(o.w, `{"mode":"single"}`)
			return werr
		}
		_, werr := fmt.Fprintln(o.w, "single node: fleet mode is off ([cluster] redis is not set)")
		return werr
	}
	if err != nil || o.json {
		return first(err, o, body)
	}
	redis := "up"
	if !st.Redis.Up {
		redis = "DOWN (degraded: local fallbacks)"
	}
	fmt.Fprintf(o.w, "node: %s\nredis: %s, errors %d, outbox %d, lag %d ms\n", st.NodeID, redis,
		st.Redis.Errors, st.Redis.OutboxDepth, st.Redis.LagMS)
	if st.Error != "" {
		fmt.Fprintf(o.w, "live nodes unknown: %s\n", st.Error)
		return nil
	}
	fmt.Fprintln(o.w)
	t := o.table("NODE", "VERSION", "QUEUE", "STARTED", "LAST_SEEN")
	for _, n := range st.Nodes {
		t.row(n.ID, n.Version, n.QueueDepth, stamp(n.Started), stamp(n.LastSeen))
	}
	return t.flush()
}
