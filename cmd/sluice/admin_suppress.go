package main

import (
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

// suppressionJSON is the admin API's shape of a suppression.
type suppressionJSON struct {
	Tenant  string    `json:"tenant"`
	Address string    `json:"address"`
	Scope   string    `json:"scope"`
	Reason  string    `json:"reason"`
	Source  string    `json:"source,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Detail  string    `json:"detail,omitempty"`
}

func toJSON(s queue.Suppression) suppressionJSON {
	return suppressionJSON{Tenant: s.Tenant, Address: s.Addr, Scope: s.Scope.String(), Reason: s.Reason,
		Source: s.Source, Created: s.Created.UTC(), Detail: s.Detail}
}

// registerSuppressionAPI adds the suppression endpoints. Every change is
// logged with the actor the client names (X-Sluice-Actor, set by ctl to
// the operator's user name) and its address.
func registerSuppressionAPI(mux *http.ServeMux, n *node, token string) {
	mux.Handle("GET /api/v1/suppressions", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 || limit > 10000 {
			limit = 1000
		}
		list, err := n.store.ListSuppressions(q.Get("tenant"), q.Get("after"), limit)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		out := make([]suppressionJSON, len(list))
		for i, s := range list {
			out[i] = toJSON(s)
		}
		writeJSON(w, http.StatusOK, map[string]any{"suppressions": out})
	})))
	mux.Handle("POST /api/v1/suppressions", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in suppressionJSON
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
			apiError(w, http.StatusBadRequest, "bad JSON body")
			return
		}
		sup, err := fromJSON(in, "admin")
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := n.store.Suppress(r.Context(), sup); err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		n.audit(r, "suppress add", "tenant", sup.Tenant, "rcpt", sup.Addr, "scope", sup.Scope.String())
		writeJSON(w, http.StatusOK, toJSON(sup))
	})))
	mux.Handle("DELETE /api/v1/suppressions", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, addr := r.URL.Query().Get("tenant"), r.URL.Query().Get("address")
		if tenant == "" || addr == "" {
			apiError(w, http.StatusBadRequest, "tenant and address are required")
			return
		}
		existed, err := n.store.Unsuppress(r.Context(), tenant, addr)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		n.audit(r, "suppress remove", "tenant", tenant, "rcpt", addr, "existed", existed)
		writeJSON(w, http.StatusOK, map[string]bool{"removed": existed})
	})))
	mux.Handle("POST /api/v1/suppressions/import", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := r.URL.Query().Get("tenant")
		if tenant == "" {
			apiError(w, http.StatusBadRequest, "tenant is required")
			return
		}
		n2, line, err := importCSV(r, n, tenant)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error(), "line": line, "imported": n2})
			return
		}
		n.audit(r, "suppress import", "tenant", tenant, "count", n2)
		writeJSON(w, http.StatusOK, map[string]int{"imported": n2})
	})))
	mux.Handle("GET /api/v1/suppressions/export", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := r.URL.Query().Get("tenant")
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"tenant", "address", "scope", "reason", "source", "created"})
		tenants := []string{tenant}
		if tenant == "" {
			tenants = n.tenantNames
		}
		for _, t := range tenants {
			after := ""
			for {
				list, err := n.store.ListSuppressions(t, after, 1000)
				if err != nil {
					n.log.Error("admin: export", "err", err)
					break
				}
				for _, s := range list {
					_ = cw.Write([]string{s.Tenant, s.Addr, s.Scope.String(), s.Reason, s.Source, s.Created.UTC().Format(time.RFC3339)})
				}
				if len(list) < 1000 {
					break
				}
				after = list[len(list)-1].Addr
			}
		}
		cw.Flush()
		n.audit(r, "suppress export", "tenant", tenant)
	})))
}

func actor(r *http.Request) string {
	if a := strings.TrimSpace(r.Header.Get("X-Sluice-Actor")); a != "" && len(a) < 100 {
		return a
	}
	return "unknown"
}

func fromJSON(in suppressionJSON, source string) (queue.Suppression, error) {
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

// importCSV reads "address[,scope[,reason]]" lines (a header line starting
// with "address" or "email" is skipped) and suppresses each for tenant, in
// durable batches of 1000.
func importCSV(r *http.Request, n *node, tenant string) (int, int, error) {
	cr := csv.NewReader(io.LimitReader(r.Body, 64<<20))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	count, line := 0, 0
	var batch []queue.Suppression
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := n.store.SuppressMany(r.Context(), batch); err != nil {
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
		in := suppressionJSON{Tenant: tenant, Address: rec[0], Reason: "import"}
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
