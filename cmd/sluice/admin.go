package main

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"sluice/internal/clock"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// queueStats is the JSON shape of GET /api/v1/queue/stats.
type queueStats struct {
	Messages         int64     `json:"messages"`
	Queued           int64     `json:"queued"`
	InFlight         int64     `json:"in_flight"`
	Deferred         int64     `json:"deferred"`
	DeliveredTotal   int64     `json:"delivered_total"`
	FailedTotal      int64     `json:"failed_total"`
	OldestAgeSeconds float64   `json:"oldest_age_seconds"`
	Oldest           time.Time `json:"oldest,omitzero"`
	NextDue          time.Time `json:"next_due,omitzero"`
}

// newAdminServer serves /metrics and /healthz openly (loopback by default)
// and the JSON admin API behind the bearer token.
func newAdminServer(n *node, token string) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /api/v1/queue/stats", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		st := n.store.Stats()
		out := queueStats{
			Messages: st.Messages, Queued: st.Queued, InFlight: st.InFlight, Deferred: st.Deferred,
			DeliveredTotal: st.Delivered, FailedTotal: st.Failed, Oldest: st.Oldest, NextDue: st.NextDue,
		}
		if !st.Oldest.IsZero() {
			out.OldestAgeSeconds = clock.Now().Sub(st.Oldest).Seconds()
		}
		writeJSON(w, http.StatusOK, out)
	})))
	// Profiles for operators chasing a bottleneck, behind the token.
	mux.Handle("/debug/pprof/", requireToken(token, http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/profile", requireToken(token, http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/trace", requireToken(token, http.HandlerFunc(pprof.Trace)))
	registerSuppressionAPI(mux, n, token)
	registerQueueAPI(mux, n, token)
	registerStatsAPI(mux, n, token)
	registerPrivacyAPI(mux, n, token)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}

func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sluice"`)
			apiError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiError answers an admin API request with {"error": msg}.
func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// audit logs an operator action with the actor the client names
// (X-Sluice-Actor, set by ctl to the operator's user name) and the remote
// address: one format for every admin endpoint.
func (n *node) audit(r *http.Request, op string, attrs ...any) {
	n.log.Info("admin: "+op, append([]any{"actor", actor(r), "remote", r.RemoteAddr}, attrs...)...)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
