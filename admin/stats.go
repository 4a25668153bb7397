package admin

import (
	"net/http"

	"sluice/tracking/events"
)

// Stats is what the statistics endpoint needs of the events store
// (*events.Store).
type Stats interface {
	Stats(tenant, campaign string) (events.Stats, error)
	Campaigns(tenant string) ([]string, error)
}

var _ Stats = (*events.Store)(nil)

// stats answers GET /api/v1/stats: a tenant's (or one campaign's)
// counts, and the tenant's campaigns.
func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	tenant, campaign := r.URL.Query().Get("tenant"), r.URL.Query().Get("campaign")
	if tenant == "" {
		apiError(w, http.StatusBadRequest, "tenant is required")
		return
	}
	st, err := s.Stats.Stats(tenant, campaign)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "events store error")
		return
	}
	camps, _ := s.Stats.Campaigns(tenant)
	writeJSON(w, http.StatusOK, map[string]any{"tenant": tenant, "campaign": campaign, "stats": st, "campaigns": camps})
}
