package admin

import (
	"context"
	"net/http"
	"time"

	"sluice/fleet"
)

// ClusterNode is one live node of the fleet, from its heartbeat.
type ClusterNode struct {
	ID         string    `json:"id"`
	Version    string    `json:"version"`
	QueueDepth int       `json:"queue_depth"`
	Started    time.Time `json:"started"`
	LastSeen   time.Time `json:"last_seen"`
}

// RedisHealth is this node's view of the fleet's Redis.
type RedisHealth struct {
	// Up: the last call succeeded (false: degraded mode, local fallbacks).
	Up bool `json:"up"`
	// Errors are the failed calls since start.
	Errors uint64 `json:"errors"`
	// OutboxDepth are the suppression changes not yet pushed to Redis.
	OutboxDepth int `json:"outbox_depth"`
	// LagMS is how far behind the fleet's change log this node is.
	LagMS int64 `json:"lag_ms"`
}

// ClusterStatus is GET /api/v1/cluster: the node answering, Redis's
// health as it sees it, and the live nodes (empty when Redis is down:
// Error says why).
type ClusterStatus struct {
	NodeID string        `json:"node_id"`
	Redis  RedisHealth   `json:"redis"`
	Nodes  []ClusterNode `json:"nodes"`
	Error  string        `json:"error,omitempty"`
}

// Cluster reports the fleet (MemberCluster: a fleet member's view).
type Cluster interface {
	ClusterStatus(ctx context.Context) ClusterStatus
}

// MemberCluster is a fleet member as the admin API's Cluster.
type MemberCluster struct{ M *fleet.Member }

var _ Cluster = MemberCluster{}

// ClusterStatus reports the live nodes and Redis's health as the member
// sees them; when the live nodes cannot be read, Redis counts as down
// and Error says why.
func (c MemberCluster) ClusterStatus(ctx context.Context) ClusterStatus {
	fs := c.M.Status(ctx)
	st := ClusterStatus{NodeID: fs.NodeID, Redis: RedisHealth{Up: fs.Client.Healthy, Errors: fs.Client.RedisErrors,
		OutboxDepth: fs.Replicator.OutboxDepth, LagMS: fs.Replicator.Lag.Milliseconds()}}
	if fs.Err != nil {
		st.Error = fs.Err.Error()
		st.Redis.Up = false
		return st
	}
	for _, nd := range fs.Nodes {
		st.Nodes = append(st.Nodes, ClusterNode{ID: nd.ID, Version: nd.Version, QueueDepth: nd.QueueDepth,
			Started: nd.Started, LastSeen: nd.LastSeen})
	}
	return st
}

// WithCluster serves the fleet's endpoints in front of h (the admin
// handler): GET /api/v1/cluster behind the bearer token, and a /healthz
// that adds Redis's health as a detail line ("redis: up" or "redis:
// down (degraded)"). A degraded Redis does not make the node unhealthy:
// it goes on submitting and delivering, so /healthz stays 200.
func WithCluster(h http.Handler, token string, c Cluster) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/cluster", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := c.ClusterStatus(r.Context())
		if st.Nodes == nil {
			st.Nodes = []ClusterNode{}
		}
		writeJSON(w, http.StatusOK, st)
	})))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		st := c.ClusterStatus(ctx)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		redis := "redis: up\n"
		if !st.Redis.Up {
			redis = "redis: down (degraded)\n"
		}
		w.Write([]byte("ok\n" + redis))
	})
	mux.Handle("/", h)
	return mux
}
