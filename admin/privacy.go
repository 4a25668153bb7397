package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"

	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// PrivacyRequest is the body of POST /api/v1/privacy/erase.
type PrivacyRequest struct {
	Tenant  string `json:"tenant"`
	Address string `json:"address"`
}

// SubjectExport is the answer of GET /api/v1/privacy/export.
type SubjectExport struct {
	Tenant       string              `json:"tenant"`
	Address      string              `json:"address"`
	Suppressions []ExportSuppression `json:"suppressions"`
	SoftFailures []time.Time         `json:"soft_failures"`
	Directory    []ExportDirEntry    `json:"directory"`
	Queued       []ExportQueued      `json:"queued"`
	Events       []ExportEvent       `json:"events"`
	// WebhookPending are events still to be POSTed to the tenant's
	// webhook, as they will be sent (the address filled in then).
	WebhookPending []webhook.Event `json:"webhook_pending"`
}

// ExportSuppression is a suppression of the address: by address, or by
// its hash after an erasure.
type ExportSuppression struct {
	Hashed  bool      `json:"hashed"`
	Hash    string    `json:"hash,omitempty"`
	Scope   string    `json:"scope"`
	Reason  string    `json:"reason"`
	Source  string    `json:"source,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Detail  string    `json:"detail,omitempty"`
}

// ExportDirEntry is a recipient directory entry: a message sent to the
// address. Accepted is derived from the message id (its acceptance time
// in µs).
type ExportDirEntry struct {
	MessageID string    `json:"message_id"`
	Index     uint32    `json:"index"`
	Stream    string    `json:"stream"`
	Accepted  time.Time `json:"accepted"`
}

// ExportQueued is a recipient record of a message still in the queue.
type ExportQueued struct {
	MessageID   string    `json:"message_id"`
	Index       uint32    `json:"index"`
	State       string    `json:"state"`
	Attempts    uint32    `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Held        bool      `json:"held,omitempty"`
	Accepted    time.Time `json:"accepted"`
}

// ExportEvent is one stored event of a recipient of the address.
type ExportEvent struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	MessageID string    `json:"message_id"`
	Index     uint32    `json:"index"`
	Campaign  string    `json:"campaign,omitempty"`
	Link      *int      `json:"link,omitempty"` // clicks only
	Machine   bool      `json:"machine,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Proxy     string    `json:"proxy,omitempty"`
	IP        string    `json:"ip,omitempty"`
	UAClass   string    `json:"ua_class,omitempty"`
	UA        string    `json:"ua,omitempty"`
}

// Erasure is the answer of POST /api/v1/privacy/erase: counts of what was
// removed, durably, before the answer.
type Erasure struct {
	Tenant string `json:"tenant"`
	// RcptHash names the address in the logs and in a hashed suppression.
	RcptHash         string `json:"rcpt_hash"`
	DirectoryEntries int    `json:"directory_entries"`
	Events           int    `json:"events"`
	// WebhookEntries were events still to be POSTed to the tenant's
	// webhook; a request already in flight may still deliver some.
	WebhookEntries int `json:"webhook_entries"`
	// QueuedRemoved were never delivered; InFlightRemoved had an attempt
	// running, which may still reach the receiver.
	QueuedRemoved   int `json:"queued_removed"`
	InFlightRemoved int `json:"in_flight_removed"`
	// FinalRecords are delivered or failed records of messages still
	// waiting for other recipients.
	FinalRecords       int  `json:"final_records"`
	MessagesRemoved    int  `json:"messages_removed"`
	SuppressionsHashed int  `json:"suppressions_hashed"`
	SoftFailures       bool `json:"soft_failures_removed"`
	// Fleet, in a fleet, says whether the request went to the other
	// nodes: "published", or "pending" (Redis did not answer: it is kept
	// in the spool and pushed when Redis does).
	Fleet string `json:"fleet,omitempty"`
	// Removed are the waiting and in-flight recipients removed (not
	// answered: the delivery log lines name them).
	Removed []queue.RcptKey `json:"-"`
}

// checkSubject validates a data subject request, answering it if it is
// bad. The address is first put in its canonical form
// (queue.NormalizeAddr, which the stores match by anyway), then checked
// with the submission's rule: an address accepted and stored in an older
// form ("ann@example.test.", an upper-case or full-width IDN) is the same
// person's and must be found, not refused 400.
func (s *server) checkSubject(w http.ResponseWriter, req *PrivacyRequest) bool {
	req.Address = queue.NormalizeAddr(req.Address)
	switch {
	case req.Tenant == "":
		apiError(w, http.StatusBadRequest, "tenant is required")
	case !s.ValidAddress(req.Address):
		apiError(w, http.StatusBadRequest, "address must be a mailbox: local@domain")
	case !slices.Contains(s.tenantNames(), req.Tenant):
		apiError(w, http.StatusNotFound, "unknown tenant")
	default:
		return true
	}
	return false
}

// privacyExport answers GET /api/v1/privacy/export?tenant=&address=.
func (s *server) privacyExport(w http.ResponseWriter, r *http.Request) {
	req := PrivacyRequest{Tenant: r.URL.Query().Get("tenant"), Address: r.URL.Query().Get("address")}
	if !s.checkSubject(w, &req) {
		return
	}
	out, err := Export(r.Context(), s.Privacy, req.Tenant, req.Address)
	if err != nil {
		s.storeError(w, "admin: privacy export", err, "tenant", req.Tenant)
		return
	}
	s.audit(r, "privacy export", "tenant", req.Tenant, "rcpt_hash", s.Privacy.Spool.HashAddr(req.Tenant, req.Address),
		"directory", len(out.Directory), "queued", len(out.Queued), "events", len(out.Events),
		"webhook_pending", len(out.WebhookPending), "suppressions", len(out.Suppressions))
	writeJSON(w, http.StatusOK, out)
}

// privacyErase answers POST /api/v1/privacy/erase (see [Erase]).
func (s *server) privacyErase(w http.ResponseWriter, r *http.Request) {
	var req PrivacyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "bad JSON body")
		return
	}
	if !s.checkSubject(w, &req) {
		return
	}
	out, err := Erase(r.Context(), s.Privacy, req.Tenant, req.Address)
	if err != nil {
		s.storeError(w, "admin: privacy erase", err, "tenant", req.Tenant, "rcpt_hash", out.RcptHash, "events", out.Events)
		return
	}
	if s.FleetErase != nil {
		pushed, err := s.FleetErase.Publish(r.Context(), req.Tenant, req.Address)
		if err != nil {
			// Erased here; repeating the request is harmless and records it.
			s.storeError(w, "admin: privacy erase: fleet request not recorded", err, "tenant", req.Tenant, "rcpt_hash", out.RcptHash)
			return
		}
		out.Fleet = "published"
		if !pushed {
			out.Fleet = "pending"
		}
	}
	for _, k := range out.Removed {
		// Like the queue's delete action, every recipient removed ends
		// with a delivery line, here without its address.
		s.Logger.Info("delivery", "msgid", k.ID.String(), "tenant", req.Tenant, "rcpt_index", k.Index,
			"result", "erased", "reply", "erased on request by an operator: "+actor(r))
	}
	s.audit(r, "privacy erase", "tenant", req.Tenant, "rcpt_hash", out.RcptHash,
		"directory", out.DirectoryEntries, "events", out.Events, "webhook_entries", out.WebhookEntries, "queued", out.QueuedRemoved,
		"in_flight", out.InFlightRemoved, "final", out.FinalRecords, "messages", out.MessagesRemoved,
		"suppressions_hashed", out.SuppressionsHashed, "soft_failures", out.SoftFailures, "fleet", out.Fleet)
	writeJSON(w, http.StatusOK, out)
}

// storeError logs a data subject request's failure and answers 500,
// naming the store that failed but not its internals.
func (s *server) storeError(w http.ResponseWriter, msg string, err error, attrs ...any) {
	s.Logger.Error(msg, append(attrs, "err", err)...)
	if errors.Is(err, ErrEvents) {
		apiError(w, http.StatusInternalServerError, "events store error")
		return
	}
	apiError(w, http.StatusInternalServerError, "store error")
}

// exportJSON shapes what the spool and the events store hold.
func exportJSON(sub *queue.Subject, evs []events.Event) SubjectExport {
	out := SubjectExport{
		Tenant: sub.Tenant, Address: sub.Addr,
		Suppressions: []ExportSuppression{}, SoftFailures: []time.Time{},
		Directory: []ExportDirEntry{}, Queued: []ExportQueued{}, Events: []ExportEvent{},
		WebhookPending: []webhook.Event{},
	}
	for _, s := range sub.Suppressions {
		ps := ExportSuppression{Hashed: s.Hashed, Scope: s.Scope.String(), Reason: s.Reason, Source: s.Source,
			Created: s.Created.UTC(), Detail: s.Detail}
		if s.Hashed {
			ps.Hash = s.Addr
		}
		out.Suppressions = append(out.Suppressions, ps)
	}
	for _, t := range sub.SoftFailures {
		out.SoftFailures = append(out.SoftFailures, t.UTC())
	}
	for _, d := range sub.Directory {
		out.Directory = append(out.Directory, ExportDirEntry{MessageID: d.ID.String(), Index: d.Index,
			Stream: d.Stream.String(), Accepted: time.UnixMicro(int64(d.ID)).UTC()})
	}
	for _, q := range sub.Queued {
		pq := ExportQueued{MessageID: q.ID.String(), Index: q.Index, State: q.State.String(), Attempts: q.Attempts,
			Held: q.Held, Accepted: q.Created.UTC()}
		if !q.Next.IsZero() {
			pq.NextAttempt = q.Next.UTC()
		}
		out.Queued = append(out.Queued, pq)
	}
	for _, ev := range evs {
		pe := ExportEvent{Time: ev.Time.UTC(), Kind: string(ev.Kind), MessageID: queue.ID(ev.Message).String(), Index: ev.Rcpt,
			Campaign: ev.Campaign, Machine: ev.Machine, Reason: ev.Reason, Proxy: ev.Proxy, IP: ev.IP,
			UAClass: ev.UAClass, UA: ev.UA}
		if ev.Kind == events.KindClick {
			pe.Link = &ev.Link
		}
		out.Events = append(out.Events, pe)
	}
	return out
}
