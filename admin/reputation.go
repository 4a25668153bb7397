package admin

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"sluice/reputation"
)

// Reputation is the reputation guard (*reputation.Guard): a tenant's
// windows and pause, and the operator's resume.
type Reputation interface {
	Status(tenant string) reputation.Status
	Resume(ctx context.Context, tenant, by string) (int, error)
}

var _ Reputation = (*reputation.Guard)(nil)

// TenantReputation is GET /api/v1/tenants/{tenant}/reputation: the
// marketing stream's pause (absent when it flows), the thresholds and the
// windows (the tenant's, then each campaign's).
type TenantReputation = reputation.Status

// TenantResumed is POST /api/v1/tenants/{tenant}/resume's answer.
type TenantResumed struct {
	Tenant string `json:"tenant"`
	// WasPaused says whether the marketing stream was paused.
	WasPaused bool `json:"was_paused"`
	// Released is how many set-aside recipients went back on the
	// schedule.
	Released int `json:"released"`
}

// reputationRoutes registers the guard's endpoints.
func (s *server) reputationRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/tenants/{tenant}/reputation", s.tenantReputation)
	s.handle(mux, "POST /api/v1/tenants/{tenant}/resume", s.tenantResume)
}

// reputationTenant answers the request itself (404, 501) unless the
// guard runs and the path names a configured tenant.
func (s *server) reputationTenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.Reputation == nil {
		apiError(w, http.StatusNotImplemented, "the reputation guard is not running on this node")
		return "", false
	}
	t := r.PathValue("tenant")
	names := s.tenantNames()
	if i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, t) }); i >= 0 {
		return names[i], true
	}
	apiError(w, http.StatusNotFound, "no such tenant")
	return "", false
}

// tenantReputation answers GET /api/v1/tenants/{tenant}/reputation.
func (s *server) tenantReputation(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.reputationTenant(w, r); ok {
		writeJSON(w, http.StatusOK, s.Reputation.Status(t))
	}
}

// tenantResume answers POST /api/v1/tenants/{tenant}/resume: it lifts
// the guard's pause of the marketing stream (audited) and starts the
// tenant's windows afresh.
func (s *server) tenantResume(w http.ResponseWriter, r *http.Request) {
	t, ok := s.reputationTenant(w, r)
	if !ok {
		return
	}
	was := s.Reputation.Status(t).Paused != nil
	n, err := s.Reputation.Resume(r.Context(), t, actor(r))
	if err != nil {
		s.Logger.Error("admin: tenant resume", "tenant", t, "err", err)
		apiError(w, http.StatusInternalServerError, "resume failed")
		return
	}
	s.audit(r, "tenant resume", "tenant", t, "was_paused", was, "released", n)
	writeJSON(w, http.StatusOK, TenantResumed{Tenant: t, WasPaused: was, Released: n})
}
