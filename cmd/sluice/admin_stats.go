package main

import (
	"net/http"
)

// registerStatsAPI adds per-tenant and per-campaign statistics.
func registerStatsAPI(mux *http.ServeMux, n *node, token string) {
	mux.Handle("GET /api/v1/stats", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, campaign := r.URL.Query().Get("tenant"), r.URL.Query().Get("campaign")
		if tenant == "" {
			apiError(w, http.StatusBadRequest, "tenant is required")
			return
		}
		st, err := n.events.Stats(tenant, campaign)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "events store error")
			return
		}
		camps, _ := n.events.Campaigns(tenant)
		writeJSON(w, http.StatusOK, map[string]any{"tenant": tenant, "campaign": campaign, "stats": st, "campaigns": camps})
	})))
}
