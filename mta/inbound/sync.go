package inbound

import (
	"context"
	"log/slog"
	"time"

	"sluice/mta/bounce"
	"sluice/queue"
)

// Failure is a recipient's final failure during delivery: the remote MTA
// refused it with a 5xx (or it expired after its last 4xx), so no message
// will come back for it. Code, Enhanced and Reply are as the delivery
// attempt saw them; Code is 0 when there was no reply (DNS, network).
type Failure struct {
	Tenant   string
	ID       queue.ID
	Rcpt     string
	Code     int
	Enhanced string // RFC 3463 status, when known
	Reply    string // the reply text, or the local reason
}

// SyncReturns applies the Policy to synchronous failures, which are
// returned in the SMTP dialogue rather than as a message: the reply is
// classified (mta/bounce) exactly like a returned DSN's diagnostic, and the
// same Policy decides. A synchronous reply comes from the MX sluice
// connected to, so it is proof of the recipient: nothing to attribute.
type SyncReturns struct {
	Classifier *bounce.Classifier // required
	Policy     *Policy            // required
	// Logger logs policy errors and suppressions. Default slog.Default().
	Logger *slog.Logger
	// Timeout bounds the policy's store writes. Default 30s.
	Timeout time.Duration
}

// Apply classifies f's reply and applies the policy to f.Rcpt with source
// "delivery". It returns the class (for metrics, also on error) and
// whether the address is now suppressed.
func (s *SyncReturns) Apply(ctx context.Context, f Failure) (bounce.Class, bool, error) {
	res := s.Classifier.Reply(f.Code, f.Enhanced, f.Reply)
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	sup, err := s.Policy.Apply(ctx, f.Tenant, f.Rcpt, res, "delivery")
	if err != nil {
		log.Error("suppression policy", "msgid", f.ID.String(), "tenant", f.Tenant, "err", err)
		return res.Class, false, err
	}
	if sup {
		log.Info("recipient suppressed", "msgid", f.ID.String(), "tenant", f.Tenant, "rcpt", f.Rcpt,
			"class", string(res.Class), "source", "delivery")
	}
	return res.Class, sup, nil
}
