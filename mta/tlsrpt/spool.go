package tlsrpt

import (
	"context"
	"fmt"
	"time"

	"sluice/internal/clock"
	"sluice/queue"
)

// SystemTenant is the tenant the node's own mail (mailed TLS reports) is
// queued under. ':' is in no name the tenants store accepts
// (tenants.ValidName), and start-up refuses a [[tenant]] of this name, so
// it never clashes with a tenant's mail, suppressions or statistics.
const SystemTenant = "sluice:system"

// Spool is the queue that mailed reports go through (queue.Store).
type Spool interface {
	NewID() queue.ID
	Enqueue(ctx context.Context, ms ...*queue.Message) error
}

// Signer signs a message (dkim.Signer): the header fields to prepend.
type Signer interface {
	Sign(msg []byte) (fields []byte, signed bool, err error)
}

// SpoolEnqueue is a Config.Enqueue that signs msg (when signer is not
// nil) and queues it on spool as transactional mail of SystemTenant,
// durable on return, flagged queue.FlagTLSReport: delivery sends it
// despite the receiver's TLS failures and leaves it out of the next
// report (RFC 8460 §5.3). The message is created on now (default
// clock.Now), as submitted mail is: the reporter's clock only decides
// days.
func SpoolEnqueue(spool Spool, signer Signer, now func() time.Time) func(ctx context.Context, from, to string, msg []byte) error {
	if now == nil {
		now = clock.Now
	}
	return func(ctx context.Context, from, to string, msg []byte) error {
		body := msg
		if signer != nil {
			fields, _, err := signer.Sign(msg)
			if err != nil {
				return fmt.Errorf("tlsrpt: dkim sign: %w", err)
			}
			body = make([]byte, 0, len(fields)+len(msg))
			body = append(append(body, fields...), msg...)
		}
		return spool.Enqueue(ctx, &queue.Message{ID: spool.NewID(), Tenant: SystemTenant, From: from,
			Rcpts: []string{to}, Stream: queue.Transactional, Flags: queue.FlagTLSReport, Created: now(), Body: body})
	}
}
