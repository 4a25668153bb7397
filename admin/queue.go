package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"sluice/mta/shaping"
	"sluice/queue"
)

// Queue is what the queue endpoints need of the spool (*queue.Store).
type Queue interface {
	Stats() queue.Stats
	Summary(by string) ([]queue.Group, error)
	ListMessages(f queue.Filter, after queue.ID, limit int) ([]queue.MessageInfo, error)
	Message(id queue.ID) (queue.MessageInfo, error)
	Holds() []queue.Hold
	Body(id queue.ID) ([]byte, error)
	Suspend(ctx context.Context, kind, name, by string) error
	Resume(ctx context.Context, kind, name string) (int, error)
	RetryNow(ctx context.Context, f queue.Filter) (int, error)
	Bounce(ctx context.Context, f queue.Filter, reason string) ([]queue.Affected, error)
	Delete(ctx context.Context, f queue.Filter) ([]queue.Affected, error)
}

// Sites is what `queue summary --by site` needs of the shaping policy
// (*shaping.Policy).
type Sites interface {
	Status() []shaping.Status
}

var (
	_ Queue = (*queue.Store)(nil)
	_ Sites = (*shaping.Policy)(nil)
)

// QueueStats is the JSON shape of GET /api/v1/queue/stats.
type QueueStats struct {
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

// QueueAction is the body of the queue action endpoints.
type QueueAction struct {
	Kind   string `json:"kind,omitempty"` // suspend/resume: domain, tenant, pool, site
	Name   string `json:"name,omitempty"`
	ID     string `json:"id,omitempty"`
	Tenant string `json:"tenant,omitempty"`
	Domain string `json:"domain,omitempty"`
	Reason string `json:"reason,omitempty"`
	All    bool   `json:"all,omitempty"` // retry: every waiting recipient
	// Duration (suspend, hold) lifts the hold by itself after this long,
	// in Go's duration syntax ("2h", "90m"); empty: until resumed.
	Duration string `json:"duration,omitempty"`
}

// filter is the spool's filter of the messages a names.
func (a QueueAction) filter() (queue.Filter, error) {
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

// queueRoutes adds the queue views and operator actions. Every action is
// logged with the actor.
func (s *server) queueRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/queue/stats", s.queueStats)
	s.handle(mux, "GET /api/v1/queue/summary", s.queueSummary)
	s.handle(mux, "GET /api/v1/queue/messages", s.queueMessages)
	s.handle(mux, "GET /api/v1/queue/messages/{id}", s.queueMessage)
	s.handle(mux, "GET /api/v1/queue/messages/{id}/headers", s.queueRead("headers"))
	s.handle(mux, "GET /api/v1/queue/messages/{id}/body", s.queueRead("body"))
	s.handle(mux, "POST /api/v1/queue/messages/{id}/hold", s.queueHold)
	s.handle(mux, "POST /api/v1/queue/messages/{id}/release", s.queueRelease)
	s.handle(mux, "GET /api/v1/queue/holds", s.holds)
	s.handle(mux, "POST /api/v1/queue/suspend", s.queueSuspend)
	s.handle(mux, "POST /api/v1/queue/resume", s.queueResume)
	s.handle(mux, "POST /api/v1/queue/retry", s.queueRetry)
	s.handle(mux, "POST /api/v1/queue/bounce", s.queueRemove("bounce"))
	s.handle(mux, "POST /api/v1/queue/delete", s.queueRemove("delete"))
}

func (s *server) queueStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.queueStatsNow())
}

// queueStatsNow is the spool's totals, aged by the clock.
func (s *server) queueStatsNow() QueueStats {
	st := s.Queue.Stats()
	out := QueueStats{
		Messages: st.Messages, Queued: st.Queued, InFlight: st.InFlight, Deferred: st.Deferred,
		DeliveredTotal: st.Delivered, FailedTotal: st.Failed, Oldest: st.Oldest, NextDue: st.NextDue,
	}
	if !st.Oldest.IsZero() {
		out.OldestAgeSeconds = s.Now().Sub(st.Oldest).Seconds()
	}
	return out
}

func (s *server) queueSummary(w http.ResponseWriter, r *http.Request) {
	by := r.URL.Query().Get("by")
	if by == "" {
		by = "domain"
	}
	if by == "site" {
		writeJSON(w, http.StatusOK, map[string]any{"by": by, "sites": s.siteStatus()})
		return
	}
	if by != "domain" && by != "tenant" && by != "pool" {
		apiError(w, http.StatusBadRequest, "by must be domain, tenant, pool or site")
		return
	}
	g, err := s.Queue.Summary(by)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"by": by, "groups": g})
}

// SiteInfo is the shaping state of one (source, site), as `queue summary
// --by site` and `top` show it.
type SiteInfo struct {
	Site           string    `json:"site"`
	Source         string    `json:"source"`
	Rule           string    `json:"rule"`
	State          string    `json:"state"` // normal, backoff or suspended
	Rate           float64   `json:"rate"`  // messages per second allowed now; 0: unlimited
	MaxConnections int       `json:"max_connections"`
	Open           int       `json:"open"` // connections held now
	SuspendedUntil time.Time `json:"suspended_until,omitzero"`
}

// siteStatus is the shaping state of every known (source, site).
func (s *server) siteStatus() []SiteInfo {
	out := []SiteInfo{}
	if s.Sites == nil {
		return out
	}
	for _, st := range s.Sites.Status() {
		out = append(out, SiteInfo{Site: st.Key.Site.Name(), Source: st.Key.Source, Rule: st.Limits.Rule,
			State: st.Limits.State.String(), Rate: st.Limits.Rate, MaxConnections: st.Limits.MaxConnections,
			Open: st.Open, SuspendedUntil: st.Limits.SuspendedUntil})
	}
	return out
}

func (s *server) queueMessages(w http.ResponseWriter, r *http.Request) {
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
	list, err := s.Queue.ListMessages(queue.Filter{Tenant: q.Get("tenant"), Domain: q.Get("domain")}, after, limit)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	if list == nil {
		list = []queue.MessageInfo{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": list})
}

func (s *server) queueMessage(w http.ResponseWriter, r *http.Request) {
	id, err := queue.ParseID(r.PathValue("id"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "bad message id")
		return
	}
	m, err := s.Queue.Message(id)
	if err != nil {
		apiError(w, http.StatusNotFound, "no such message in the queue")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *server) queueSuspend(w http.ResponseWriter, r *http.Request) {
	a, ok := readAction(w, r)
	if !ok {
		return
	}
	if a.Kind == "message" {
		apiError(w, http.StatusBadRequest, "hold one message with POST /api/v1/queue/messages/{id}/hold")
		return
	}
	if _, err := liftExpired(r.Context(), s.Queue, s.Now(), s.Logger); err != nil {
		s.Logger.Warn("admin: lifting timed holds", "err", err)
	}
	h, ok := s.suspend(w, r, a.Kind, a.Name, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"suspended": a.Kind + ":" + a.Name, "hold": h})
}

func (s *server) queueResume(w http.ResponseWriter, r *http.Request) {
	a, ok := readAction(w, r)
	if !ok {
		return
	}
	k, err := s.Queue.Resume(r.Context(), a.Kind, a.Name)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store error")
		return
	}
	s.audit(r, "queue resume", "kind", a.Kind, "name", a.Name, "released", k)
	writeJSON(w, http.StatusOK, map[string]int{"released": k})
}

func (s *server) queueRetry(w http.ResponseWriter, r *http.Request) {
	a, f, ok := readFilter(w, r)
	if !ok {
		return
	}
	k, err := s.Queue.RetryNow(r.Context(), f)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.audit(r, "queue retry", "id", a.ID, "tenant", a.Tenant, "domain", a.Domain, "all", a.All, "count", k)
	writeJSON(w, http.StatusOK, map[string]int{"retried": k})
}

// queueRemove handles op, bounce or delete: the recipients named leave
// the queue, failed (with a bounce) or silently, and each gets a delivery
// log line naming the operator.
func (s *server) queueRemove(op string) http.HandlerFunc {
	result := map[string]string{"bounce": "failed", "delete": "deleted"}[op]
	return func(w http.ResponseWriter, r *http.Request) {
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
			aff, err = s.Queue.Bounce(r.Context(), f, reason)
		} else {
			aff, err = s.Queue.Delete(r.Context(), f)
		}
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		for _, x := range aff {
			s.Logger.Info("delivery", "msgid", x.ID.String(), "tenant", x.Tenant, "rcpt", x.Addr,
				"rcpt_domain", queue.Domain(x.Addr), "result", result, "reply", "by an operator: "+actor(r))
		}
		s.audit(r, "queue "+op, "id", a.ID, "tenant", a.Tenant, "domain", a.Domain, "count", len(aff))
		writeJSON(w, http.StatusOK, map[string]int{op + "d": len(aff)})
	}
}

// readAction decodes a queue action body (at most 64 KiB; empty is
// allowed), answering 400 if it is not JSON.
func readAction(w http.ResponseWriter, r *http.Request) (QueueAction, bool) {
	var a QueueAction
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&a)
	if err != nil && !errors.Is(err, io.EOF) { // an empty body is an empty action
		apiError(w, http.StatusBadRequest, "bad JSON body")
		return a, false
	}
	return a, true
}

// readFilter reads an action naming messages (id, tenant, domain, all).
func readFilter(w http.ResponseWriter, r *http.Request) (QueueAction, queue.Filter, bool) {
	a, ok := readAction(w, r)
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
