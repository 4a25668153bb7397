package main

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"sluice/mta/submit"
	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// Data subject requests for one address of one tenant: access (GDPR
// Art. 15) and erasure (Art. 17). The spool (queue.FindSubject,
// queue.EraseSubject), the events store (ExportRecipient, EraseRecipient)
// and the webhook outbox (ExportRecipients, EraseRecipients) do the work;
// this file checks the request, puts them together in the right order and
// logs the action with its actor. The address itself is not logged: log
// lines name it by its keyed hash (queue.Store.HashAddr), the form its
// suppression takes after erasure.

// privacyRequest is the body of POST /api/v1/privacy/erase.
type privacyRequest struct {
	Tenant  string `json:"tenant"`
	Address string `json:"address"`
}

// privacyExport is the answer of GET /api/v1/privacy/export.
type privacyExport struct {
	Tenant       string               `json:"tenant"`
	Address      string               `json:"address"`
	Suppressions []privacySuppression `json:"suppressions"`
	SoftFailures []time.Time          `json:"soft_failures"`
	Directory    []privacyDirEntry    `json:"directory"`
	Queued       []privacyQueued      `json:"queued"`
	Events       []privacyEvent       `json:"events"`
	// WebhookPending are events still to be POSTed to the tenant's
	// webhook, as they will be sent (the address filled in then).
	WebhookPending []webhook.Event `json:"webhook_pending"`
}

// privacySuppression is a suppression of the address: by address, or by
// its hash after an erasure.
type privacySuppression struct {
	Hashed  bool      `json:"hashed"`
	Hash    string    `json:"hash,omitempty"`
	Scope   string    `json:"scope"`
	Reason  string    `json:"reason"`
	Source  string    `json:"source,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Detail  string    `json:"detail,omitempty"`
}

// privacyDirEntry is a recipient directory entry: a message sent to the
// address. Accepted is derived from the message id (its acceptance time
// in µs).
type privacyDirEntry struct {
	MessageID string    `json:"message_id"`
	Index     uint32    `json:"index"`
	Stream    string    `json:"stream"`
	Accepted  time.Time `json:"accepted"`
}

// privacyQueued is a recipient record of a message still in the queue.
type privacyQueued struct {
	MessageID   string    `json:"message_id"`
	Index       uint32    `json:"index"`
	State       string    `json:"state"`
	Attempts    uint32    `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Held        bool      `json:"held,omitempty"`
	Accepted    time.Time `json:"accepted"`
}

// privacyEvent is one stored event of a recipient of the address.
type privacyEvent struct {
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

// privacyErasure is the answer of POST /api/v1/privacy/erase: counts of
// what was removed, durably, before the answer.
type privacyErasure struct {
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
}

// registerPrivacyAPI adds the data subject request endpoints.
func registerPrivacyAPI(mux *http.ServeMux, n *node, token string) {
	// check validates a request, answering it if it is bad.
	check := func(w http.ResponseWriter, req privacyRequest) bool {
		switch {
		case req.Tenant == "":
			apiError(w, http.StatusBadRequest, "tenant is required")
		case !submit.ValidAddress(req.Address):
			apiError(w, http.StatusBadRequest, "address must be a mailbox: local@domain")
		case !slices.Contains(n.tenantNames, req.Tenant):
			apiError(w, http.StatusNotFound, "unknown tenant")
		default:
			return true
		}
		return false
	}
	ids := func(sub *queue.Subject) []events.RecipientID {
		keys := sub.Keys()
		out := make([]events.RecipientID, len(keys))
		for i, k := range keys {
			out[i] = events.RecipientID{Message: uint64(k.ID), Rcpt: k.Index}
		}
		return out
	}

	mux.Handle("GET /api/v1/privacy/export", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := privacyRequest{Tenant: r.URL.Query().Get("tenant"), Address: strings.TrimSpace(r.URL.Query().Get("address"))}
		if !check(w, req) {
			return
		}
		ctx := r.Context()
		sub, err := n.store.FindSubject(ctx, req.Tenant, req.Address)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		var (
			evs     []events.Event
			pending []webhook.Event
		)
		if rids := ids(sub); len(rids) > 0 {
			if err = n.events.Flush(ctx); err == nil {
				evs, err = n.events.ExportRecipient(ctx, req.Tenant, rids)
			}
			if err == nil {
				pending, err = n.webhooks.pending(ctx, req.Tenant, rids)
			}
			if err != nil {
				n.log.Error("admin: privacy export", "tenant", req.Tenant, "err", err)
				apiError(w, http.StatusInternalServerError, "events store error")
				return
			}
		}
		out := exportJSON(sub, evs)
		if pending != nil {
			out.WebhookPending = pending
		}
		n.audit(r, "privacy export", "tenant", req.Tenant, "rcpt_hash", n.store.HashAddr(req.Tenant, req.Address),
			"directory", len(out.Directory), "queued", len(out.Queued), "events", len(out.Events),
			"webhook_pending", len(out.WebhookPending), "suppressions", len(out.Suppressions))
		writeJSON(w, http.StatusOK, out)
	})))

	// Erasure, in this order: find everything (a read snapshot); erase the
	// events of the recipients found, then their entries in the webhook
	// outbox (which would otherwise be POSTed later, with the address
	// while the directory has it), while the directory still links them
	// to the address (if this fails, the spool has not changed and the
	// request can be repeated); then, in one durable write, the spool's
	// records, with the suppression kept hashed. Events recorded after
	// this (a later open of mail already delivered) carry only message
	// and recipient ids that no longer lead to the address.
	mux.Handle("POST /api/v1/privacy/erase", requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req privacyRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
			apiError(w, http.StatusBadRequest, "bad JSON body")
			return
		}
		req.Address = strings.TrimSpace(req.Address)
		if !check(w, req) {
			return
		}
		ctx := r.Context()
		hash := n.store.HashAddr(req.Tenant, req.Address)
		sub, err := n.store.FindSubject(ctx, req.Tenant, req.Address)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		out := privacyErasure{Tenant: req.Tenant, RcptHash: hash}
		if rids := ids(sub); len(rids) > 0 {
			if out.Events, err = n.events.EraseRecipient(ctx, req.Tenant, rids); err == nil {
				out.WebhookEntries, err = n.webhooks.erase(ctx, req.Tenant, rids)
			}
			if err != nil {
				n.log.Error("admin: privacy erase", "tenant", req.Tenant, "rcpt_hash", hash, "err", err)
				apiError(w, http.StatusInternalServerError, "events store error")
				return
			}
		}
		e, err := n.store.EraseSubject(ctx, sub)
		if err != nil {
			n.log.Error("admin: privacy erase", "tenant", req.Tenant, "rcpt_hash", hash, "events", out.Events, "err", err)
			apiError(w, http.StatusInternalServerError, "store error")
			return
		}
		out.DirectoryEntries, out.QueuedRemoved, out.InFlightRemoved = e.Directory, e.Waiting, e.InFlight
		out.FinalRecords, out.MessagesRemoved, out.SuppressionsHashed, out.SoftFailures = e.Final, e.Messages, e.Hashed, e.SoftFailures
		for _, k := range e.Removed {
			// Like the queue's delete action, every recipient removed
			// ends with a delivery line, here without its address.
			n.log.Info("delivery", "msgid", k.ID.String(), "tenant", req.Tenant, "rcpt_index", k.Index,
				"result", "erased", "reply", "erased on request by an operator: "+actor(r))
		}
		n.audit(r, "privacy erase", "tenant", req.Tenant, "rcpt_hash", hash,
			"directory", out.DirectoryEntries, "events", out.Events, "webhook_entries", out.WebhookEntries, "queued", out.QueuedRemoved,
			"in_flight", out.InFlightRemoved, "final", out.FinalRecords, "messages", out.MessagesRemoved,
			"suppressions_hashed", out.SuppressionsHashed, "soft_failures", out.SoftFailures)
		writeJSON(w, http.StatusOK, out)
	})))
}

// exportJSON shapes what the spool and the events store hold.
func exportJSON(sub *queue.Subject, evs []events.Event) privacyExport {
	out := privacyExport{
		Tenant: sub.Tenant, Address: sub.Addr,
		Suppressions: []privacySuppression{}, SoftFailures: []time.Time{},
		Directory: []privacyDirEntry{}, Queued: []privacyQueued{}, Events: []privacyEvent{},
		WebhookPending: []webhook.Event{},
	}
	for _, s := range sub.Suppressions {
		ps := privacySuppression{Hashed: s.Hashed, Scope: s.Scope.String(), Reason: s.Reason, Source: s.Source,
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
		out.Directory = append(out.Directory, privacyDirEntry{MessageID: d.ID.String(), Index: d.Index,
			Stream: d.Stream.String(), Accepted: time.UnixMicro(int64(d.ID)).UTC()})
	}
	for _, q := range sub.Queued {
		pq := privacyQueued{MessageID: q.ID.String(), Index: q.Index, State: q.State.String(), Attempts: q.Attempts,
			Held: q.Held, Accepted: q.Created.UTC()}
		if !q.Next.IsZero() {
			pq.NextAttempt = q.Next.UTC()
		}
		out.Queued = append(out.Queued, pq)
	}
	for _, ev := range evs {
		pe := privacyEvent{Time: ev.Time.UTC(), Kind: string(ev.Kind), MessageID: queue.ID(ev.Message).String(), Index: ev.Rcpt,
			Campaign: ev.Campaign, Machine: ev.Machine, Reason: ev.Reason, Proxy: ev.Proxy, IP: ev.IP,
			UAClass: ev.UAClass, UA: ev.UA}
		if ev.Kind == events.KindClick {
			pe.Link = &ev.Link
		}
		out.Events = append(out.Events, pe)
	}
	return out
}
