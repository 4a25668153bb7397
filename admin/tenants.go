package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"sluice/tenants"
)

// TenantStore is what the tenant and domain endpoints need of the
// tenants store (*tenants.Store implements it). Private DKIM keys never
// leave it through these endpoints: domains are answered in their public
// form.
type TenantStore interface {
	Tenants() ([]tenants.Tenant, error)
	Tenant(name string) (tenants.Tenant, error)
	CreateTenant(actor string, t tenants.Tenant) (tenants.Tenant, error)
	UpdateTenant(actor, name string, u tenants.Update) (tenants.Tenant, error)
	Credentials(tenant string) ([]tenants.Credential, error)
	AddCredential(actor, tenant string) (tenants.Credential, string, error)
	RevokeCredential(actor, tenant, id string) error
	Domains(tenant string) ([]tenants.Domain, error)
	Domain(name string) (tenants.Domain, error)
	AddDomain(actor, tenant, domain string) (tenants.Domain, []tenants.Record, error)
	RemoveDomain(actor, tenant, domain string) error
	Records(d tenants.Domain) []tenants.Record
	VerifyDomain(ctx context.Context, actor, tenant, domain string) (tenants.Domain, []tenants.Check, error)
	RotateDomain(actor, tenant, domain string) (tenants.Domain, []tenants.Record, error)
	SwitchDomainKeys(actor, tenant, domain string) (tenants.Domain, error)
	Audit(tenant string) ([]tenants.AuditEntry, error)
}

var _ TenantStore = (*tenants.Store)(nil)

// TenantDetail is GET /api/v1/tenants/{name}: the tenant, its
// credentials (never their secrets or hashes), its domains and its audit
// trail.
type TenantDetail struct {
	Tenant      tenants.Tenant       `json:"tenant"`
	Credentials []tenants.Credential `json:"credentials"`
	Domains     []tenants.Domain     `json:"domains"`
	Audit       []tenants.AuditEntry `json:"audit"`
}

// NewCredential answers POST …/credentials: the secret appears here only.
type NewCredential struct {
	Credential tenants.Credential `json:"credential"`
	// Username is the SMTP AUTH username (the credential's id).
	Username string `json:"username"`
	Secret   string `json:"secret"`
}

// DomainRecords answers POST …/domains and GET …/domains/{domain}.
type DomainRecords struct {
	Domain  tenants.Domain   `json:"domain"`
	Records []tenants.Record `json:"records"`
}

// DomainVerification answers POST …/domains/{domain}/verify.
type DomainVerification struct {
	Domain tenants.Domain  `json:"domain"`
	Checks []tenants.Check `json:"checks"`
}

// maxTenantBody bounds a tenant or domain request's JSON.
const maxTenantBody = 16 << 10

// tenantRoutes registers the tenant, credential and domain endpoints
// (nothing when no store is configured).
func (s *server) tenantRoutes(mux *http.ServeMux) {
	if s.TenantStore == nil {
		return
	}
	s.handle(mux, "GET /api/v1/tenants", s.listTenants)
	s.handle(mux, "POST /api/v1/tenants", s.createTenant)
	s.handle(mux, "GET /api/v1/tenants/{name}", s.showTenant)
	s.handle(mux, "PATCH /api/v1/tenants/{name}", s.updateTenant)
	s.handle(mux, "POST /api/v1/tenants/{name}/credentials", s.addCredential)
	s.handle(mux, "DELETE /api/v1/tenants/{name}/credentials/{id}", s.revokeCredential)
	s.handle(mux, "GET /api/v1/domains", s.listDomains)
	s.handle(mux, "POST /api/v1/tenants/{name}/domains", s.addDomain)
	s.handle(mux, "GET /api/v1/tenants/{name}/domains/{domain}", s.showDomain)
	s.handle(mux, "DELETE /api/v1/tenants/{name}/domains/{domain}", s.removeDomain)
	s.handle(mux, "POST /api/v1/tenants/{name}/domains/{domain}/verify", s.verifyDomain)
	s.handle(mux, "POST /api/v1/tenants/{name}/domains/{domain}/rotate", s.rotateDomain)
}

// tenantError answers a store error: 400 bad input, 404 unknown, 409 a
// conflict (taken name or domain, a seed tenant), 500 otherwise (logged,
// not echoed).
func (s *server) tenantError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, tenants.ErrInvalid):
		apiError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, tenants.ErrNotFound):
		apiError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, tenants.ErrExists), errors.Is(err, tenants.ErrClaimed), errors.Is(err, tenants.ErrSeed):
		apiError(w, http.StatusConflict, err.Error())
	default:
		s.Logger.Error("admin: tenants store", "path", r.URL.Path, "err", err)
		apiError(w, http.StatusInternalServerError, "tenants store error")
	}
}

// decodeBody reads a bounded JSON body into v; false (answered 400) when
// it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxTenantBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func (s *server) listTenants(w http.ResponseWriter, r *http.Request) {
	ts, err := s.TenantStore.Tenants()
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": nonNil(ts)})
}

// newTenant is the body of POST /api/v1/tenants: a tenants.Tenant
// decoded without its method, so that a missing "transactional" is false
// here (a customer onboarded through the API may not send transactional
// mail until granted), where a stored record without it reads as true
// (tenants.Tenant.UnmarshalJSON).
type newTenant tenants.Tenant

func (s *server) createTenant(w http.ResponseWriter, r *http.Request) {
	var in newTenant
	if !decodeBody(w, r, &in) {
		return
	}
	t, err := s.TenantStore.CreateTenant(actor(r), tenants.Tenant(in))
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "tenant create", "tenant", t.Name, "transactional", t.Transactional)
	writeJSON(w, http.StatusOK, t)
}

func (s *server) showTenant(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	t, err := s.TenantStore.Tenant(name)
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	d := TenantDetail{Tenant: t}
	if !t.Seed {
		if d.Credentials, err = s.TenantStore.Credentials(name); err == nil {
			if d.Domains, err = s.TenantStore.Domains(name); err == nil {
				d.Audit, err = s.TenantStore.Audit(name)
			}
		}
		if err != nil {
			s.tenantError(w, r, err)
			return
		}
	}
	d.Credentials, d.Domains, d.Audit = nonNil(d.Credentials), nonNil(d.Domains), nonNil(d.Audit)
	writeJSON(w, http.StatusOK, d)
}

func (s *server) updateTenant(w http.ResponseWriter, r *http.Request) {
	var u tenants.Update
	if !decodeBody(w, r, &u) {
		return
	}
	t, err := s.TenantStore.UpdateTenant(actor(r), r.PathValue("name"), u)
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	attrs := []any{"tenant", t.Name}
	if u.Transactional != nil {
		attrs = append(attrs, "transactional", *u.Transactional)
	}
	s.audit(r, "tenant update", attrs...)
	writeJSON(w, http.StatusOK, t)
}

func (s *server) addCredential(w http.ResponseWriter, r *http.Request) {
	c, secret, err := s.TenantStore.AddCredential(actor(r), r.PathValue("name"))
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "credential add", "tenant", c.Tenant, "credential", c.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, NewCredential{Credential: c, Username: c.ID, Secret: secret})
}

func (s *server) revokeCredential(w http.ResponseWriter, r *http.Request) {
	name, id := r.PathValue("name"), r.PathValue("id")
	if err := s.TenantStore.RevokeCredential(actor(r), name, id); err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "credential revoke", "tenant", name, "credential", id)
	writeJSON(w, http.StatusOK, map[string]string{"revoked": id})
}

func (s *server) listDomains(w http.ResponseWriter, r *http.Request) {
	ds, err := s.TenantStore.Domains(r.URL.Query().Get("tenant"))
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": nonNil(ds)})
}

func (s *server) addDomain(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Domain string `json:"domain"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	d, recs, err := s.TenantStore.AddDomain(actor(r), r.PathValue("name"), in.Domain)
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "domain add", "tenant", d.Tenant, "domain", d.Name)
	writeJSON(w, http.StatusOK, DomainRecords{Domain: d, Records: recs})
}

// tenantDomain returns the domain named in the path if it is the path's
// tenant's; otherwise it answers 404 and returns false.
func (s *server) tenantDomain(w http.ResponseWriter, r *http.Request) (tenants.Domain, bool) {
	d, err := s.TenantStore.Domain(r.PathValue("domain"))
	if err == nil && d.Tenant != r.PathValue("name") {
		err = tenants.ErrNotFound
	}
	if err != nil {
		s.tenantError(w, r, err)
		return tenants.Domain{}, false
	}
	return d, true
}

func (s *server) showDomain(w http.ResponseWriter, r *http.Request) {
	d, ok := s.tenantDomain(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, DomainRecords{Domain: d.Public(), Records: s.TenantStore.Records(d)})
}

func (s *server) removeDomain(w http.ResponseWriter, r *http.Request) {
	name, domain := r.PathValue("name"), r.PathValue("domain")
	if err := s.TenantStore.RemoveDomain(actor(r), name, domain); err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "domain remove", "tenant", name, "domain", domain)
	writeJSON(w, http.StatusOK, map[string]string{"removed": domain})
}

func (s *server) verifyDomain(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	d, checks, err := s.TenantStore.VerifyDomain(r.Context(), actor(r), name, r.PathValue("domain"))
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "domain verify", "tenant", name, "domain", d.Name, "state", d.State)
	writeJSON(w, http.StatusOK, DomainVerification{Domain: d, Checks: checks})
}

// RotateRequest is the body of POST …/domains/{domain}/rotate: without
// Switch it publishes new keys (their records are in the answer); with
// it, the new keys, once verified, start signing and the old ones retire.
type RotateRequest struct {
	Switch bool `json:"switch,omitempty"`
}

func (s *server) rotateDomain(w http.ResponseWriter, r *http.Request) {
	var in RotateRequest
	if !decodeBody(w, r, &in) {
		return
	}
	name, domain := r.PathValue("name"), r.PathValue("domain")
	var d tenants.Domain
	var err error
	if in.Switch {
		d, err = s.TenantStore.SwitchDomainKeys(actor(r), name, domain)
	} else {
		d, _, err = s.TenantStore.RotateDomain(actor(r), name, domain)
	}
	if err != nil {
		s.tenantError(w, r, err)
		return
	}
	s.audit(r, "domain rotate", "tenant", name, "domain", d.Name, "switch", in.Switch)
	writeJSON(w, http.StatusOK, DomainRecords{Domain: d, Records: s.TenantStore.Records(d)})
}

// nonNil makes an empty list [] in JSON rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
