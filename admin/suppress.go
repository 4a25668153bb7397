package admin

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sluice/queue"
)

// Suppressions is what the suppression endpoints need of the spool
// (*queue.Store).
type Suppressions interface {
	ListSuppressions(tenant, after string, limit int) ([]queue.Suppression, error)
	Suppress(ctx context.Context, sup queue.Suppression) error
	SuppressMany(ctx context.Context, sups []queue.Suppression) error
	Unsuppress(ctx context.Context, tenant, addr string) (bool, error)
}

var _ Suppressions = (*queue.Store)(nil)

// Suppression is the admin API's shape of a suppression.
type Suppression struct {
	Tenant  string    `json:"tenant"`
	Address string    `json:"address"`
	Scope   string    `json:"scope"`
	Reason  string    `json:"reason"`
	Source  string    `json:"source,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Detail  string    `json:"detail,omitempty"`
}

func toJSON(s queue.Suppression) Suppression {
	return Suppression{Tenant: s.Tenant, Address: s.Addr, Scope: s.Scope.String(), Reason: s.Reason,
		Source: s.Source, Created: s.Created.UTC(), Detail: s.Detail}
}

// fromJSON checks an operator's suppression and gives it source.
func fromJSON(in Suppression, source string) (queue.Suppression, error) {
	scope, ok := queue.ParseScope(in.Scope)
	if !ok {
		return queue.Suppression{}, fmt.Errorf("scope must be all or marketing")
	}
	if in.Tenant == "" || !strings.Contains(in.Address, "@") {
		return queue.Suppression{}, errors.New("tenant and a valid address are required")
	}
	reason := in.Reason
	if reason == "" {
		reason = "admin"
	}
	return queue.Suppression{Tenant: in.Tenant, Addr: in.Address, Scope: scope, Reason: reason, Source: source}, nil
}

// suppressionRoutes adds the suppression endpoints. Every change is
// logged with the actor.
func (s *server) suppressionRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/suppressions", s.suppressList)
	s.handle(mux, "POST /api/v1/suppressions", s.suppressAdd)
	s.handle(mux, "DELETE /api/v1/suppressions", s.suppressRemove)
	s.handle(mux, "POST /api/v1/suppressions/import", s.suppressImport)
	s.handle(mux, "GET /api/v1/suppressions/export", s.suppressExport)
}

func (s *server) suppressList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	list, err := s.Suppressions.ListSuppressions(q.Get("tenant"), q.Get("after"), limit)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	out := make([]Suppression, len(list))
	for i, sup := range list {
		out[i] = toJSON(sup)
	}
	writeJSON(w, http.StatusOK, map[string]any{"suppressions": out})
}

func (s *server) suppressAdd(w http.ResponseWriter, r *http.Request) {
	var in Suppression
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "bad JSON body")
		return
	}
	sup, err := fromJSON(in, "admin")
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.Suppressions.Suppress(r.Context(), sup); err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	s.audit(r, "suppress add", "tenant", sup.Tenant, "rcpt", sup.Addr, "scope", sup.Scope.String())
	writeJSON(w, http.StatusOK, toJSON(sup))
}

func (s *server) suppressRemove(w http.ResponseWriter, r *http.Request) {
	tenant, addr := r.URL.Query().Get("tenant"), r.URL.Query().Get("address")
	if tenant == "" || addr == "" {
		apiError(w, http.StatusBadRequest, "tenant and address are required")
		return
	}
	existed, err := s.Suppressions.Unsuppress(r.Context(), tenant, addr)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	s.audit(r, "suppress remove", "tenant", tenant, "rcpt", addr, "existed", existed)
	writeJSON(w, http.StatusOK, map[string]bool{"removed": existed})
}

func (s *server) suppressImport(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant == "" {
		apiError(w, http.StatusBadRequest, "tenant is required")
		return
	}
	n, line, err := importCSV(r.Context(), s.Suppressions, io.LimitReader(r.Body, 64<<20), tenant)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error(), "line": line, "imported": n})
		return
	}
	s.audit(r, "suppress import", "tenant", tenant, "count", n)
	writeJSON(w, http.StatusOK, map[string]int{"imported": n})
}

// suppressExport streams the suppressions of one tenant, or of every
// tenant, as CSV, a page of 1000 at a time.
func (s *server) suppressExport(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"tenant", "address", "scope", "reason", "source", "created"})
	tenants := []string{tenant}
	if tenant == "" {
		tenants = s.tenantNames()
	}
	for _, t := range tenants {
		after := ""
		for {
			list, err := s.Suppressions.ListSuppressions(t, after, 1000)
			if err != nil {
				s.Logger.Error("admin: export", "err", err)
				break
			}
			for _, sup := range list {
				_ = cw.Write([]string{sup.Tenant, sup.Addr, sup.Scope.String(), sup.Reason, sup.Source, sup.Created.UTC().Format(time.RFC3339)})
			}
			if len(list) < 1000 {
				break
			}
			after = list[len(list)-1].Addr
		}
	}
	cw.Flush()
	s.audit(r, "suppress export", "tenant", tenant)
}

// importCSV reads "address[,scope[,reason]]" lines from body (a header
// line starting with "address" or "email" is skipped) and suppresses each
// for tenant, in durable batches of 1000. It returns how many it stored
// and the line it stopped at.
func importCSV(ctx context.Context, store Suppressions, body io.Reader, tenant string) (int, int, error) {
	cr := csv.NewReader(body)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	count, line := 0, 0
	var batch []queue.Suppression
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := store.SuppressMany(ctx, batch); err != nil {
			return errors.New("store error")
		}
		count += len(batch)
		batch = batch[:0]
		return nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return count, line, flush()
		}
		line++
		if err != nil {
			return count, line, fmt.Errorf("CSV: %v", err)
		}
		if len(rec) == 0 || rec[0] == "" {
			continue
		}
		if line == 1 && (strings.EqualFold(rec[0], "address") || strings.EqualFold(rec[0], "email")) {
			continue
		}
		in := Suppression{Tenant: tenant, Address: rec[0], Reason: "import"}
		if len(rec) > 1 {
			in.Scope = rec[1]
		}
		if len(rec) > 2 && rec[2] != "" {
			in.Reason = rec[2]
		}
		sup, err := fromJSON(in, "import")
		if err != nil {
			return count, line, err
		}
		if batch = append(batch, sup); len(batch) == 1000 {
			if err := flush(); err != nil {
				return count, line, err
			}
		}
	}
}
