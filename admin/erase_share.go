package admin

import (
	"context"
	"log/slog"

	"sluice/fleet"
	"sluice/queue"
)

// In a fleet, an erasure must also reach the events recorded away from
// the node that accepted the message: a standalone edge's opens, clicks
// and unsubscribes name the recipient by its ids only, and only this
// node's directory maps them to the address. SharingSpool hands the ids
// every erasure here found (never the address) to the fleet once the
// spool's erasure is durable (fleet.ErasedRecipients), the erasures the
// API makes and those the fleet's requests run alike.

// ShareErased hands tenant's erased recipients to the fleet
// ((*fleet.ErasedRecipients).Share).
type ShareErased func(ctx context.Context, tenant string, keys []queue.RcptKey) error

var _ ShareErased = (*fleet.ErasedRecipients)(nil).Share

// SharingSpool returns sp whose EraseSubject, once it succeeded, shares
// the ids of the recipients it erased through share. A failure to share
// is logged, not returned: the erasure here is done, and the edge's
// events of those recipients then go at the end of its retention.
func SharingSpool(sp Spool, share ShareErased, log *slog.Logger) Spool {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return sharingSpool{Spool: sp, share: share, log: log}
}

type sharingSpool struct {
	Spool
	share ShareErased
	log   *slog.Logger
}

func (s sharingSpool) EraseSubject(ctx context.Context, sub *queue.Subject) (queue.Erasure, error) {
	e, err := s.Spool.EraseSubject(ctx, sub)
	if err != nil {
		return e, err
	}
	if keys := sub.Keys(); len(keys) > 0 {
		if serr := s.share(ctx, sub.Tenant, keys); serr != nil {
			s.log.Warn("admin: privacy erase: the recipients' ids did not reach the fleet's edges",
				"tenant", sub.Tenant, "rcpt_hash", s.HashAddr(sub.Tenant, sub.Addr), "recipients", len(keys), "err", serr)
		}
	}
	return e, nil
}
