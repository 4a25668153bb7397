package admin

import (
	"context"
	"errors"
	"fmt"

	"sluice/queue"
	"sluice/tracking/events"
	"sluice/tracking/webhook"
)

// Data subject requests for one address of one tenant: access (GDPR
// Art. 15, [Export]) and erasure (Art. 17, [Erase]). The spool finds what
// it holds about the address and the recipient ids that lead to it; the
// events store and the webhook outbox hold records under those ids only.
// The address itself is never logged: log lines name it by its keyed hash
// (queue.Store.HashAddr), the form its suppression takes after erasure.

// Spool is what a data subject request needs of the spool
// (*queue.Store).
type Spool interface {
	HashAddr(tenant, addr string) string
	FindSubject(ctx context.Context, tenant, addr string) (*queue.Subject, error)
	EraseSubject(ctx context.Context, sub *queue.Subject) (queue.Erasure, error)
}

// EventRecords is what a data subject request needs of the events store
// (*events.Store).
type EventRecords interface {
	// Flush makes the events recorded so far visible to the export.
	Flush(ctx context.Context) error
	ExportRecipient(ctx context.Context, tenant string, ids []events.RecipientID) ([]events.Event, error)
	EraseRecipient(ctx context.Context, tenant string, ids []events.RecipientID) (int, error)
}

// Outbox is what a data subject request needs of the webhook outbox: the
// events of the recipients ids still to be POSTed to tenant's webhook,
// and their erasure (returning how many entries went).
type Outbox interface {
	ExportRecipients(ctx context.Context, tenant string, ids []events.RecipientID) ([]webhook.Event, error)
	EraseRecipients(ctx context.Context, tenant string, ids []events.RecipientID) (int, error)
}

var (
	_ Spool        = (*queue.Store)(nil)
	_ EventRecords = (*events.Store)(nil)
)

// Stores are the stores a data subject request reads and erases. Outbox
// may be nil (no tenant has a webhook).
type Stores struct {
	Spool  Spool
	Events EventRecords
	Outbox Outbox
}

// Errors of a data subject request, by the store that failed (wrapped
// with the cause). After ErrEvents the spool is unchanged, and the
// request can be repeated.
var (
	ErrSpool  = errors.New("admin: spool")
	ErrEvents = errors.New("admin: events store")
)

// Export returns everything st holds about tenant's addr: the spool's
// suppressions, soft failures, directory entries and queued recipients,
// the events of those recipients, and the webhook events still to be sent
// for them.
func Export(ctx context.Context, st Stores, tenant, addr string) (SubjectExport, error) {
	sub, err := st.Spool.FindSubject(ctx, tenant, addr)
	if err != nil {
		return SubjectExport{}, fmt.Errorf("%w: find: %w", ErrSpool, err)
	}
	var (
		evs     []events.Event
		pending []webhook.Event
	)
	if rids := recipientIDs(sub); len(rids) > 0 {
		if err = st.Events.Flush(ctx); err == nil {
			evs, err = st.Events.ExportRecipient(ctx, tenant, rids)
		}
		if err == nil && st.Outbox != nil {
			pending, err = st.Outbox.ExportRecipients(ctx, tenant, rids)
		}
		if err != nil {
			return SubjectExport{}, fmt.Errorf("%w: export: %w", ErrEvents, err)
		}
	}
	out := exportJSON(sub, evs)
	if pending != nil {
		out.WebhookPending = pending
	}
	return out, nil
}

// Erase erases what st holds about tenant's addr, in this order:
//
//  1. find everything (a read snapshot of the spool);
//  2. erase the events of the recipients found, then their entries in the
//     webhook outbox (which would otherwise be POSTed later, with the
//     address while the directory has it), while the directory still
//     links them to the address: if this fails, the spool has not changed
//     and the request can be repeated;
//  3. then, in one durable write, the spool's records, with the
//     suppression kept hashed.
//
// Events recorded after this (a later open of mail already delivered)
// carry only message and recipient ids that no longer lead to the
// address. On error the returned Erasure counts what was erased before
// it.
func Erase(ctx context.Context, st Stores, tenant, addr string) (Erasure, error) {
	out := Erasure{Tenant: tenant, RcptHash: st.Spool.HashAddr(tenant, addr)}
	sub, err := st.Spool.FindSubject(ctx, tenant, addr)
	if err != nil {
		return out, fmt.Errorf("%w: find: %w", ErrSpool, err)
	}
	if rids := recipientIDs(sub); len(rids) > 0 {
		if out.Events, err = st.Events.EraseRecipient(ctx, tenant, rids); err != nil {
			return out, fmt.Errorf("%w: erase events: %w", ErrEvents, err)
		}
		if st.Outbox != nil {
			if out.WebhookEntries, err = st.Outbox.EraseRecipients(ctx, tenant, rids); err != nil {
				return out, fmt.Errorf("%w: erase webhook outbox: %w", ErrEvents, err)
			}
		}
	}
	e, err := st.Spool.EraseSubject(ctx, sub)
	if err != nil {
		return out, fmt.Errorf("%w: erase: %w", ErrSpool, err)
	}
	out.DirectoryEntries, out.QueuedRemoved, out.InFlightRemoved = e.Directory, e.Waiting, e.InFlight
	out.FinalRecords, out.MessagesRemoved, out.SuppressionsHashed, out.SoftFailures = e.Final, e.Messages, e.Hashed, e.SoftFailures
	out.Removed = e.Removed
	return out, nil
}

// recipientIDs are the events store's ids of sub's recipients.
func recipientIDs(sub *queue.Subject) []events.RecipientID {
	keys := sub.Keys()
	out := make([]events.RecipientID, len(keys))
	for i, k := range keys {
		out[i] = events.RecipientID{Message: uint64(k.ID), Rcpt: k.Index}
	}
	return out
}
