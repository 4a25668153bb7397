package tlsrpt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// errNoEnqueue: a mailto rua while the node gave no way to send mail.
var errNoEnqueue = errors.New("tlsrpt: mailto reports are not enabled")

// sendDue delivers every pending report whose time has come to each rua
// it has not reached yet. A rua that fails is tried again after
// RetryBase, doubled at each attempt, MaxAttempts times in all.
func (r *Reporter) sendDue(ctx context.Context, now time.Time) error {
	ps, err := r.store.pendings()
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range ps {
		if p.Next.After(now) {
			continue
		}
		if ctx.Err() != nil {
			return errors.Join(append(errs, ctx.Err())...)
		}
		var left []string
		for _, uri := range p.RUA {
			err := r.deliver(ctx, p, uri, now)
			switch {
			case err == nil:
				r.cfg.Log.Info("tlsrpt: report sent", "rcpt_domain", p.Domain, "report_id", p.ReportID, "rua", uri)
			case errors.Is(err, errNoEnqueue):
				r.cfg.Log.Info("tlsrpt: mailto rua skipped", "rcpt_domain", p.Domain, "rua", uri)
			default:
				r.cfg.Log.Warn("tlsrpt: report not delivered", "rcpt_domain", p.Domain, "report_id", p.ReportID,
					"rua", uri, "attempt", p.Attempts+1, "err", err)
				left = append(left, uri)
			}
		}
		if p.RUA = left; len(left) > 0 {
			p.Attempts++
			p.Next = now.Add(r.cfg.RetryBase << min(p.Attempts-1, 16))
			if p.Attempts >= r.cfg.MaxAttempts {
				r.cfg.Log.Warn("tlsrpt: report given up", "rcpt_domain", p.Domain, "report_id", p.ReportID,
					"attempts", p.Attempts)
				p.RUA = nil
			}
		}
		errs = append(errs, r.store.updatePending(p))
	}
	return errors.Join(errs...)
}

// deliver sends p to one rua: POST for https, a message to the queue for
// mailto (RFC 8460 §5.3).
func (r *Reporter) deliver(ctx context.Context, p *pending, uri string, now time.Time) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("tlsrpt: rua %q: %w", uri, err)
	}
	dr := dayRange(p.Day)
	name := filename(r.cfg.Submitter, p.Domain, dr)
	switch u.Scheme {
	case "https":
		return r.post(ctx, uri, p.Gz)
	case "mailto":
		if r.cfg.Enqueue == nil {
			return errNoEnqueue
		}
		to, err := MailtoAddress(u)
		if err != nil {
			return err
		}
		msg, err := buildMail(mailReport{From: r.cfg.From, To: to, Submitter: r.cfg.Submitter, Domain: p.Domain,
			ReportID: p.ReportID, Filename: name, Gz: p.Gz, Date: now})
		if err != nil {
			return fmt.Errorf("tlsrpt: report message for %s: %w", p.Domain, err)
		}
		if err := r.cfg.Enqueue(ctx, r.cfg.From, to, msg); err != nil {
			return fmt.Errorf("tlsrpt: enqueue report for %s to %s: %w", p.Domain, to, err)
		}
		return nil
	}
	return fmt.Errorf("tlsrpt: rua %q: unsupported scheme", uri)
}
