package tracking

import (
	"context"
	"fmt"

	"sluice/fleet"
	"sluice/queue"
	"sluice/tracking/events"
)

// EdgeErasures is a standalone edge's events store as its fleet member
// erases from it the recipients the nodes erased (fleet.ErasedEvents):
// the edge has no recipient directory, so a node's erasure reaches the
// edge's opens, clicks and unsubscribes through the recipient ids it
// found. The stream's cursor is kept in the events store itself (bucket
// edge_erase), so it never runs ahead of the events it describes: an
// erasure repeated after a crash erases nothing more.
type EdgeErasures struct {
	Events *events.Store
	// Outbox, when not nil, is the edge's webhook outbox
	// (webhook.Stored): the recipients' entries still to be POSTed go
	// too.
	Outbox interface {
		EraseRecipients(ctx context.Context, tenant string, ids []events.RecipientID) (int, error)
	}
}

var _ fleet.ErasedEvents = EdgeErasures{}

var (
	bucketEdgeErase = []byte("edge_erase")
	keyErasedCursor = []byte("rids_cursor")
)

// EraseRecipients erases the events of tenant's recipients keys, then
// their webhook entries not yet sent, and returns how many events went.
func (e EdgeErasures) EraseRecipients(ctx context.Context, tenant string, keys []queue.RcptKey) (int, error) {
	ids := make([]events.RecipientID, len(keys))
	for i, k := range keys {
		ids[i] = events.RecipientID{Message: uint64(k.ID), Rcpt: k.Index}
	}
	n, err := e.Events.EraseRecipient(ctx, tenant, ids)
	if err != nil {
		return n, fmt.Errorf("tracking: erase recipients' events: %w", err)
	}
	if e.Outbox != nil {
		if _, err := e.Outbox.EraseRecipients(ctx, tenant, ids); err != nil {
			return n, fmt.Errorf("tracking: erase recipients' webhook entries: %w", err)
		}
	}
	return n, nil
}

// ErasedCursor returns the id of the last stream entry applied; "" before
// the first.
func (e EdgeErasures) ErasedCursor() (string, error) {
	var cur string
	err := e.Events.View(func(tx *events.Tx) error {
		if b := tx.Bucket(bucketEdgeErase); b != nil {
			cur = string(b.Get(keyErasedCursor))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("tracking: erased recipients cursor: %w", err)
	}
	return cur, nil
}

// SetErasedCursor records, durably, that the stream was applied up to
// cursor.
func (e EdgeErasures) SetErasedCursor(ctx context.Context, cursor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := e.Events.Update(func(tx *events.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketEdgeErase)
		if err != nil {
			return err
		}
		return b.Put(keyErasedCursor, []byte(cursor))
	})
	if err != nil {
		return fmt.Errorf("tracking: erased recipients cursor: %w", err)
	}
	return nil
}
