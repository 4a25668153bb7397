package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"sluice/queue"
)

// queueAction is the body of the queue action endpoints.
type queueAction struct {
	Kind   string `json:"kind,omitempty"` // suspend/resume: domain, tenant, pool
	Name   string `json:"name,omitempty"`
	ID     string `json:"id,omitempty"`
	Tenant string `json:"tenant,omitempty"`
	Domain string `json:"domain,omitempty"`
	Reason string `json:"reason,omitempty"`
	All    bool   `json:"all,omitempty"` // retry: every waiting recipient
}

func (a queueAction) filter() (queue.Filter, error) {
	f := queue.Filter{Tenant: a.Tenant, Domain: a.Domain, All: a.All}
	if a.ID != "" {
		id, err := queue.ParseID(a.ID)
		if err != nil {
			return f, errors.New("bad message id")
		}
		f.ID = id
	}
	return f, nil
}

// registerQueueAPI adds the queue views and operator actions. Every action
// is logged with the actor.
func registerQueueAPI(mux *http.ServeMux, n *node, token string) {
	read := func(w http.ResponseWriter, r *http.Request) (queueAction, bool) {
		var a queueAction
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&a); err != nil {
			apiError(w, http.StatusBadRequest, "bad JSON body")
			return a, false
		}
		return a, true
	}
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, requireToken(token, h)) }
	// readFilter reads an action naming messages (id, tenant, domain).
	readFilter := func(w http.ResponseWriter, r *http.Request) (queueAction, queue.Filter, bool) {
		a, ok := read(w, r)
		if !ok {
			return a, queue.Filter{}, false
		}
		f, err := a.filter()
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return a, f, false
		}
		return a, f, true
	}

	handle("GET /api/v1/queue/summary", func(w http.ResponseWriter, r *http.Request) {
		by := r.URL.Query().Get("by")
		if by == "" {
			by = "domain"
		}
		if by == "site" {
			writeJSON(w, http.StatusOK, map[string]any{"by": by, "sites": siteStatus(n)})
			return
		}
		if by != "domain" && by != "tenant" && by != "pool" {
			apiError(w, http.StatusBadRequest, "by must be domain, tenant, pool or site")
			return
		}
		g, err := n.store.Summary(by)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"by": by, "groups": g})
	})
	handle("GET /api/v1/queue/messages", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var after queue.ID
		if a := q.Get("after"); a != "" {
			id, err := queue.ParseID(a)
			if err != nil {
				apiError(w, http.StatusBadRequest, "bad after id")
				return
			}
			after = id
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		list, err := n.store.ListMessages(queue.Filter{Tenant: q.Get("tenant"), Domain: q.Get("domain")}, after, limit)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"messages": list})
	})
	handle("GET /api/v1/queue/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := queue.ParseID(r.PathValue("id"))
		if err != nil {
			apiError(w, http.StatusBadRequest, "bad message id")
			return
		}
		m, err := n.store.Message(id)
		if err != nil {
			apiError(w, http.StatusNotFound, "no such message in the queue")
			return
		}
		writeJSON(w, http.StatusOK, m)
	})
	handle("GET /api/v1/queue/holds", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"holds": n.store.Holds()})
	})
	handle("POST /api/v1/queue/suspend", func(w http.ResponseWriter, r *http.Request) {
		a, ok := read(w, r)
		if !ok {
			return
		}
		if err := n.store.Suspend(r.Context(), a.Kind, a.Name, actor(r)); err != nil {
			apiError(w, http.StatusBadRequest, "kind must be domain, tenant, pool or site, with a name")
			return
		}
		n.audit(r, "queue suspend", "kind", a.Kind, "name", a.Name)
		writeJSON(w, http.StatusOK, map[string]string{"suspended": a.Kind + ":" + a.Name})
	})
	handle("POST /api/v1/queue/resume", func(w http.ResponseWriter, r *http.Request) {
		a, ok := read(w, r)
		if !ok {
			return
		}
		k, err := n.store.Resume(r.Context(), a.Kind, a.Name)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		n.audit(r, "queue resume", "kind", a.Kind, "name", a.Name, "released", k)
		writeJSON(w, http.StatusOK, map[string]int{"released": k})
	})
	handle("POST /api/v1/queue/retry", func(w http.ResponseWriter, r *http.Request) {
		a, f, ok := readFilter(w, r)
		if !ok {
			return
		}
		k, err := n.store.RetryNow(r.Context(), f)
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		n.audit(r, "queue retry", "id", a.ID, "tenant", a.Tenant, "domain", a.Domain, "all", a.All, "count", k)
		writeJSON(w, http.StatusOK, map[string]int{"retried": k})
	})
	for _, op := range []string{"bounce", "delete"} {
		handle("POST /api/v1/queue/"+op, func(w http.ResponseWriter, r *http.Request) {
			a, f, ok := readFilter(w, r)
			if !ok {
				return
			}
			var aff []queue.Affected
			var err error
			if op == "bounce" {
				reason := "admin"
				if a.Reason != "" {
					reason = "admin: " + a.Reason
				}
				aff, err = n.store.Bounce(r.Context(), f, reason)
			} else {
				aff, err = n.store.Delete(r.Context(), f)
			}
			if err != nil {
				apiError(w, http.StatusBadRequest, err.Error())
				return
			}
			for _, x := range aff {
				n.log.Info("delivery", "msgid", x.ID.String(), "tenant", x.Tenant, "rcpt", x.Addr,
					"rcpt_domain", queue.Domain(x.Addr), "result", map[string]string{"bounce": "failed", "delete": "deleted"}[op],
					"reply", "by an operator: "+actor(r))
			}
			n.audit(r, "queue "+op, "id", a.ID, "tenant", a.Tenant, "domain", a.Domain, "count", len(aff))
			writeJSON(w, http.StatusOK, map[string]int{op + "d": len(aff)})
		})
	}
}

// siteStatus is the shaping state of every known (source, site).
func siteStatus(n *node) []map[string]any {
	if n.shaping == nil {
		return nil
	}
	var out []map[string]any
	for _, st := range n.shaping.Status() {
		out = append(out, map[string]any{
			"site": st.Key.Site.Name(), "source": st.Key.Source, "rule": st.Limits.Rule, "state": st.Limits.State.String(),
			"rate": st.Limits.Rate, "max_connections": st.Limits.MaxConnections, "open": st.Open,
			"suspended_until": st.Limits.SuspendedUntil,
		})
	}
	return out
}
