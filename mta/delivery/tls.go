package delivery

import (
	"context"
	"errors"
	"net"
	"time"

	"sluice/mta/outbound"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// TLSPolicies decides the transport security of each delivery (RFC 7435
// opportunistic TLS, required or verified TLS, MTA-STS RFC 8461, DANE RFC
// 7672); *tlspolicy.Resolver is one. Domain is asked once per destination
// (and again every tlsPolicyRefresh), ForHost for each MX host before it
// is dialled.
type TLSPolicies interface {
	Domain(ctx context.Context, domain string) *tlspolicy.Policy
	ForHost(ctx context.Context, dom *tlspolicy.Policy, host string) (*tlspolicy.Policy, error)
}

var _ TLSPolicies = (*tlspolicy.Resolver)(nil)

// tlsPolicyRefresh is how long a destination reuses its domain's policy
// before asking again. The resolver caches MTA-STS policies for their
// max_age and the `_mta-sts` TXT id for minutes, so asking again is cheap;
// it is what lets a destination busy for hours see a policy published,
// changed or switched to enforce meanwhile (RFC 8461 §5.1).
const tlsPolicyRefresh = 5 * time.Minute

// policyError is a connection attempt refused by the destination's TLS
// policy, not by the receiver: STARTTLS missing or failed, a certificate
// rejected, an MX host the MTA-STS policy does not list, a DANE lookup
// that failed. It is temporary (the mail is deferred, never sent in
// clear), it is no throttle and no connection failure for shaping (the
// receiver did not ask us to slow down), and its event names the policy.
type policyError struct {
	policy *tlspolicy.Policy
	err    error
}

func (e *policyError) Error() string { return e.err.Error() }
func (e *policyError) Unwrap() error { return e.err }

// policyOf returns the TLS policy named by err (a policyError), or nil.
func policyOf(err error) *tlspolicy.Policy {
	var pe *policyError
	if errors.As(err, &pe) {
		return pe.policy
	}
	return nil
}

// domainPolicy returns the destination's TLS policy, nil without
// Config.TLSPolicy (opportunistic TLS, as without policies) and for a
// connection carrying a TLS report (exempt, FlagTLSReport). It is asked
// again once it is tlsPolicyRefresh old on the engine's clock.
func (d *dest) domainPolicy(ctx context.Context, exempt bool) *tlspolicy.Policy {
	tp := d.e.cfg.TLSPolicy
	if tp == nil || exempt {
		return nil
	}
	now := d.e.cfg.Now()
	d.mu.Lock()
	p, at := d.pol, d.polAt
	d.mu.Unlock()
	if p != nil && now.Sub(at) < tlsPolicyRefresh && !now.Before(at) {
		return p
	}
	p = tp.Domain(ctx, d.domain)
	d.mu.Lock()
	d.pol, d.polAt = p, now
	d.mu.Unlock()
	return p
}

// cachedPolicy is domainPolicy without asking: the policy and true when
// it was asked less than tlsPolicyRefresh ago (always true, nil, without
// Config.TLSPolicy).
func (d *dest) cachedPolicy() (*tlspolicy.Policy, bool) {
	if d.e.cfg.TLSPolicy == nil {
		return nil, true
	}
	now := d.e.cfg.Now()
	d.mu.Lock()
	p, at := d.pol, d.polAt
	d.mu.Unlock()
	return p, p != nil && now.Sub(at) < tlsPolicyRefresh && !now.Before(at)
}

// hostPolicy refines dom for one MX host (DANE, MX rules) and checks the
// host is one mail may go to at all (MTA-STS mx patterns, RFC 8461 §4.1).
// A refusal is a *policyError, recorded in Config.TLSStats; dom nil
// (no policies) gives nil, nil.
func (d *dest) hostPolicy(ctx context.Context, dom *tlspolicy.Policy, host string) (*tlspolicy.Policy, error) {
	if dom == nil {
		return nil, nil
	}
	hp, err := d.e.cfg.TLSPolicy.ForHost(ctx, dom, host)
	if err != nil {
		// The resolver recorded it (dnssec-invalid).
		return nil, &policyError{policy: dom, err: err}
	}
	if err := hp.CheckMX(host); err != nil {
		d.e.cfg.TLSStats.Record(hp, host, tlspolicy.IPs{}, err)
		d.e.log.Warn("delivery: MX host not allowed by the TLS policy", "mx", host, "rcpt_domain", d.domain,
			"tls_policy", hp.Name(), "err", err)
		return nil, &policyError{policy: hp, err: err}
	}
	return hp, nil
}

// recordTLS records one session's TLS outcome under hp (nil: no policy):
// on a successful handshake the failure a non-enforcing policy kept
// (nil: success), on a failed one the error when it is about TLS. Other
// failures (no answer, a 4xx greeting) say nothing about TLS and are not
// recorded (RFC 8460 counts TLS sessions).
// nc is the session's connection: its two ends are the report's
// receiving-ip and sending-mta-ip (RFC 8460 §4.4).
func (d *dest) recordTLS(hp *tlspolicy.Policy, host string, nc net.Conn, c *outbound.Client, err error) {
	if hp == nil {
		return
	}
	ips := tlspolicy.ConnIPs(nc.RemoteAddr(), nc.LocalAddr())
	switch {
	case err == nil:
		d.e.cfg.TLSStats.Record(hp, host, ips, c.TLSPolicyErr())
	case tlspolicy.Classify(err) != tlspolicy.ResultSuccess:
		d.e.cfg.TLSStats.Record(hp, host, ips, err)
	}
}

// FlagTLSReport marks a queued message as a TLS report (RFC 8460 §5.3),
// in queue.Message.Flags (queue owns the bit, so that no other flag takes
// it): "sending MTAs MUST deliver reports despite any TLS-related
// failures", and such a session "SHOULD NOT" be in the next report. The
// engine sends it over a connection of its own under opportunistic TLS (RFC 7435: STARTTLS when
// offered, any certificate, in clear otherwise), whatever the site's
// policy, records nothing in Config.TLSStats for that session, and closes
// the connection after it, so no other mail rides the unprotected
// session. Only the node's own TLS reporter sets it (mta/tlsrpt, through
// the wiring's enqueue): submission computes a message's flags from its
// envelope (8BITMIME, SMTPUTF8) and never copies bits a tenant sends, so
// no tenant can take its mail out of the receiver's TLS policy.
const FlagTLSReport = queue.FlagTLSReport

// tlsExempt reports whether w is exempt from TLS policies (FlagTLSReport).
func tlsExempt(w *queue.Work) bool { return w.Flags&FlagTLSReport != 0 }

// failPolicy settles j and every job queued behind it with err, a refusal
// by the TLS policy, except the TLS reports (FlagTLSReport): those stay
// at the head of the queue, in order, for a connection without the
// policy. It reports whether any stayed.
func (d *dest) failPolicy(j *job, err error) (exemptLeft bool) {
	d.mu.Lock()
	queued := d.queue.drain()
	var fail, keep []*job
	for _, q := range append([]*job{j}, queued...) {
		if tlsExempt(&q.w) {
			keep = append(keep, q)
		} else {
			fail = append(fail, q)
		}
	}
	for i := len(keep) - 1; i >= 0; i-- {
		d.queue.pushFront(keep[i])
	}
	d.mu.Unlock()
	for _, f := range fail {
		outs := make([]rcptOutcome, len(f.w.Rcpts))
		for i := range outs {
			outs[i] = rcptOutcome{err: err}
		}
		d.e.settle(f, outs, attempt{source: d.src.Name})
	}
	return len(keep) > 0
}

// isPolicyFailure reports whether err is a refusal by the delivery's own
// TLS policy rather than anything the receiver said.
func isPolicyFailure(err error) bool {
	return policyOf(err) != nil
}
