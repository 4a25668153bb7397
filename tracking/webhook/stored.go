package webhook

import (
	"context"

	"sluice/queue"
	"sluice/tracking/events"
)

// Stored is the outbox together with the events store it keeps its
// queues in: the outbox's part of a data subject request, as the erasure
// and export workflows take it (admin.Outbox).
type Stored struct {
	Outbox *Outbox
	DB     Store
}

// ExportRecipients is Outbox.ExportRecipients over s.DB. Without any
// endpoint there is nothing to send, so nothing is read.
func (s Stored) ExportRecipients(ctx context.Context, tenant string, ids []events.RecipientID) ([]Event, error) {
	if s.Outbox == nil || len(s.Outbox.routes) == 0 {
		return nil, nil
	}
	return s.Outbox.ExportRecipients(ctx, s.DB, tenant, ids)
}

// EraseRecipients is Outbox.EraseRecipients over s.DB. Without any
// endpoint there is nothing to send, so nothing is erased.
func (s Stored) EraseRecipients(ctx context.Context, tenant string, ids []events.RecipientID) (int, error) {
	if s.Outbox == nil || len(s.Outbox.routes) == 0 {
		return 0, nil
	}
	return s.Outbox.EraseRecipients(ctx, s.DB, tenant, ids)
}

// Directory is the spool's recipient directory, which outlives the
// messages (queue.directory_retention). *queue.Store implements it.
type Directory interface {
	LookupRecipient(id queue.ID, idx uint32) (queue.Recipient, bool)
}

var _ Directory = (*queue.Store)(nil)

// DirectoryRecipients is the RecipientFunc (Config.Recipient) that looks
// addresses up in d: "" once the entry is purged, and "" when the entry
// is another tenant's, so a webhook never names a recipient of someone
// else's message.
func DirectoryRecipients(d Directory) RecipientFunc {
	return func(tenant string, msg uint64, rcpt uint32) string {
		r, ok := d.LookupRecipient(queue.ID(msg), rcpt)
		if !ok || r.Tenant != tenant {
			return ""
		}
		return r.Addr
	}
}
