package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"sluice/internal/event"
	"sluice/mta/outbound"
	"sluice/mta/tlspolicy"
	"sluice/queue"
)

// Event is one recipient's outcome of one delivery attempt.
type Event struct {
	Time     time.Time
	Kind     event.Kind // one of event.Outcomes: delivered, deferred, failed, suppressed
	ID       queue.ID
	Tenant   string
	Rcpt     string
	Index    uint32 // the recipient's index in its message
	Domain   string
	Attempt  int
	Code     int    // remote reply code; 0 when there was none (network, DNS)
	Enhanced string // RFC 3463 code when known
	Reply    string // the remote reply, or the local reason
	MX       string // host that answered; "" if none was reached
	TLS      bool
	// TLSVersion and TLSCipher are the session's TLS version
	// (tls.VersionTLS13) and cipher suite (crypto/tls numbers; names by
	// tls.VersionName and tls.CipherSuiteName); 0 without TLS.
	TLSVersion, TLSCipher uint16
	// TLSPolicy names the transport security policy the attempt ran
	// under: "opportunistic", "require", "verify", "mta-sts enforce",
	// "mta-sts testing", "dane", or "exempt" for a TLS report sent
	// without any (FlagTLSReport); "" without Config.TLSPolicy. A deferral
	// by the policy (no STARTTLS, a rejected certificate, an MX host the
	// MTA-STS policy does not list) names it too, with the reason in Reply.
	TLSPolicy string
	// TLSPolicySource says what decided it: "default", "config",
	// "mta-sts", "dane" (tlspolicy.Source), "tls-report" for an exempt
	// report; "" without a policy.
	TLSPolicySource string
	// TLSResult is the policy's verdict on the session as a TLS-RPT
	// result type (RFC 8460 §4.3): "success", or why it failed
	// ("starttls-not-supported", "certificate-host-mismatch",
	// "tlsa-invalid", "dnssec-invalid"…; under MTA-STS testing the mail
	// went anyway); "" without a policy.
	TLSResult string
	// TLSVerified: the receiver's certificate was verified (WebPKI,
	// MTA-STS or DANE), not merely used.
	TLSVerified bool
	// TLSPolicyError is the failure a non-enforcing policy (MTA-STS
	// testing) met while the mail went out anyway, for reports; "" when
	// none.
	TLSPolicyError string
	Source         string // the egress source used
	// Rerouted says why the mail left from Source and not the source
	// first chosen (a warm-up allowance spent, a blocklisting), or why it
	// waits for one; "" when it did not move (source.go). At most
	// MaxRerouted bytes, cut at a rune boundary: a blocklisting quotes the
	// receiver's reply.
	Rerouted string
	// Latency is from acceptance to this outcome.
	Latency time.Duration
	// Retry is the next attempt, for deferrals.
	Retry time.Time
}

// rcptOutcome is one recipient's attempt result: nil err means delivered.
type rcptOutcome struct {
	err   error
	reply string // the end-of-data reply, for delivered recipients
}

// errSuppressed marks a recipient dropped by the pre-send suppression
// check.
type errSuppressed struct{ reason string }

func (e errSuppressed) Error() string { return "suppressed: " + e.reason }

// dropSuppressed settles the recipients of j that are suppressed now and
// returns j without them (nil if none is left).
func (d *dest) dropSuppressed(j *job) *job {
	e := d.e
	if e.cfg.Suppressed == nil {
		return j
	}
	var keep, drop []queue.WorkRcpt
	var outs []rcptOutcome
	for _, r := range j.w.Rcpts {
		if reason, ok := e.cfg.Suppressed(j.w.Tenant, r.Addr, j.w.Stream); ok {
			drop = append(drop, r)
			outs = append(outs, rcptOutcome{err: errSuppressed{reason}})
			continue
		}
		keep = append(keep, r)
	}
	if len(drop) == 0 {
		return j
	}
	dj := &job{w: j.w}
	dj.w.Rcpts = drop
	e.settle(dj, outs, attempt{source: d.src.Name})
	if len(keep) == 0 {
		return nil
	}
	kj := &job{w: j.w}
	kj.w.Rcpts = keep
	return kj
}

// deliver sends j over c, settles every recipient it got an answer for,
// and reports each transaction to shaping and to the slow-connection
// detector (d.txnDone). It returns true when c must be closed with mail of
// j unsent: that mail is back at the head of the queue, on the same
// attempt, for another connection. That happens when a reused connection
// (one that carried an earlier transaction) fails before the server
// answers anything (see outbound Result.Unanswered: the server closed it,
// with or without a 421), and, with VERP (one transaction per recipient),
// when c breaks or turns out slow between two of j's transactions.
func (d *dest) deliver(c *conn, j *job, reused bool) (closeConn bool) {
	e := d.e
	if j = d.dropSuppressed(j); j == nil {
		return false
	}
	outs := make([]rcptOutcome, len(j.w.Rcpts))
	body, buf, err := e.body(j.w.ID)
	if err != nil {
		if errors.Is(err, queue.ErrNotFound) {
			// Removed by an operator while claimed: nothing to send.
			e.release(&j.w)
			return false
		}
		for i := range outs {
			outs[i].err = err
		}
		e.settle(j, outs, attempt{mx: c.mx, source: d.src.Name})
		return false
	}
	defer e.putBody(buf, body) // sent: outbound keeps no reference
	env := outbound.Envelope{
		From:     j.w.From,
		EightBit: j.w.Flags&queue.FlagEightBit != 0,
		SMTPUTF8: j.w.Flags&queue.FlagSMTPUTF8 != 0,
	}
	if e.cfg.ReturnPath != nil && e.cfg.ReturnPath(&j.w, j.w.Rcpts[0]) != "" {
		// VERP: one transaction per recipient on the same connection.
		for i, r := range j.w.Rcpts {
			env.From, env.To = e.cfg.ReturnPath(&j.w, r), []string{r.Addr}
			unanswered, took := d.send(c, env, body, outs[i:i+1])
			carried := reused || i > 0 // c answered a transaction before this one
			if unanswered && carried {
				// Nothing of this transaction was accepted: it and the
				// rest go again on another connection.
				d.split(c, j, outs, i)
				return true
			}
			d.txnDone(c, outs[i:i+1], took)
			// The rest goes on another connection when c is slow, or
			// broke after showing it works. A fresh connection refused
			// at once (a 421 to its first MAIL) leaves the rest to fail
			// here and be deferred, as a job without VERP would be: a
			// site that refuses every session must not cost a
			// connection per recipient.
			worked := carried || outs[i].err == nil
			if i+1 < len(j.w.Rcpts) && (c.drop != "" || !c.client.Usable() && worked) {
				d.split(c, j, outs, i+1)
				return true
			}
		}
	} else {
		env.To = make([]string, len(j.w.Rcpts))
		for i, r := range j.w.Rcpts {
			env.To[i] = r.Addr
		}
		unanswered, took := d.send(c, env, body, outs)
		if unanswered && reused {
			d.requeue(j)
			return true
		}
		d.txnDone(c, outs, took)
	}
	d.settleOn(c, j, outs)
	return false
}

// split settles the first n recipients of j with their outcomes and puts
// the others back at the head of the queue, untried.
func (d *dest) split(c *conn, j *job, outs []rcptOutcome, n int) {
	if n > 0 {
		done := &job{w: j.w}
		done.w.Rcpts = slices.Clone(j.w.Rcpts[:n])
		d.settleOn(c, done, outs[:n])
	}
	rest := &job{w: j.w}
	rest.w.Rcpts = slices.Clone(j.w.Rcpts[n:])
	d.requeue(rest)
}

// settleOn settles j's outcomes on c, after they were observed.
func (d *dest) settleOn(c *conn, j *job, outs []rcptOutcome) {
	used, st := c.client.TLS()
	at := attempt{mx: c.mx, tls: used, source: d.src.Name, throttleWait: d.throttleWait(c.key, c.shaped, outs),
		policy: c.pol, verified: c.verified, policyErr: c.policyErr, exempt: c.exempt}
	if used {
		at.tlsVersion, at.tlsCipher = st.Version, st.CipherSuite
	}
	if c.shaped {
		at.site = c.key.Site.Name()
	}
	if j, outs = d.divert(c, j, outs); j == nil {
		return // every recipient moved to another source (source.go)
	}
	d.e.settle(j, outs, at)
}

// txnDone reports one transaction that the server answered, with its
// recipients' outcomes: once to shaping (a delivery, a throttle or a
// failure, per transaction and not per recipient: shaping's "Use by the
// delivery engine", step 5), and its duration to the slow-connection
// detector.
func (d *dest) txnDone(c *conn, outs []rcptOutcome, took time.Duration) {
	if c.shaped {
		o, reason := observation(outs)
		d.e.cfg.Shaping.Observe(c.key, o, reason)
	}
	d.timeTxn(c, took)
}

// send runs one transaction and fills outs, one per env.To; unanswered
// is outbound's Result.Unanswered, took the transaction's duration (real
// time: a latency, not a schedule).
func (d *dest) send(c *conn, env outbound.Envelope, body []byte, outs []rcptOutcome) (unanswered bool, took time.Duration) {
	start := time.Now()
	res, _ := c.client.Send(d.e.workCtx, env, body)
	took = time.Since(start)
	for i := range outs {
		if i < len(res.Rcpts) {
			outs[i] = rcptOutcome{err: res.Rcpts[i].Err, reply: res.Reply}
		} else {
			outs[i].err = errors.New("delivery: no outcome for recipient")
		}
	}
	return res.Unanswered, took
}

// attempt describes where a job's outcomes came from, for settle.
type attempt struct {
	mx     string // host that answered; "" if none was reached
	tls    bool
	source string
	// site is the shaping site's name ("" when unshaped); with source it
	// goes into the recipient directory of delivered recipients, for the
	// returns that come later (queue.Result.Site).
	site string
	// throttleWait is the least delay before retrying a recipient
	// deferred by a throttle reply (shaping's Limits.RetryAfter; see
	// throttleWait in shape.go).
	throttleWait time.Duration
	// policy is the connection's TLS policy (nil: none configured, or no
	// connection; a policy refusal carries its own, see policyError),
	// verified whether the certificate was verified, policyErr what a
	// non-enforcing policy met.
	policy    *tlspolicy.Policy
	verified  bool
	policyErr error
	// exempt: a TLS report's own connection, without policy.
	exempt bool
	// tlsVersion and tlsCipher name the session's TLS parameters.
	tlsVersion, tlsCipher uint16
}

// settle turns outcomes into spool results and events, records them in
// the spool (asynchronously: the connection moves on to the next message
// while the group commit runs), then frees the capacity.
func (e *Engine) settle(j *job, outs []rcptOutcome, at attempt) {
	now := e.cfg.Now()
	results := make([]queue.Result, len(j.w.Rcpts))
	events := make([]Event, len(j.w.Rcpts))
	for i, r := range j.w.Rcpts {
		results[i], events[i] = e.outcome(j, r, outs[i], &at, now)
	}
	e.record(j, results, events)
}

// outcome turns recipient r's outcome out (of at, settled at now) into
// its spool result and its event.
func (e *Engine) outcome(j *job, r queue.WorkRcpt, out rcptOutcome, at *attempt, now time.Time) (queue.Result, Event) {
	ev := Event{
		Time: now, ID: j.w.ID, Tenant: j.w.Tenant, Rcpt: r.Addr, Index: r.Index, Domain: j.w.Domain,
		Attempt: int(r.Attempt), MX: at.mx, TLS: at.tls, Latency: now.Sub(j.w.Created), Source: at.source,
		TLSVersion: at.tlsVersion, TLSCipher: at.tlsCipher, Rerouted: clipRerouted(j.note),
	}
	res := queue.Result{ID: j.w.ID, Index: r.Index}
	err := out.err
	ev.setTLSPolicy(*at, err)
	var oe *outbound.Error
	if errors.As(err, &oe) {
		ev.Code, ev.Enhanced = oe.Code, oe.Enhanced
	}
	e.verdict(&ev, &res, j, r, out, at.throttleWait, now)
	res.Code, res.Reply, res.Enhanced, res.MX = ev.Code, ev.Reply, ev.Enhanced, ev.MX
	res.Source, res.Site = at.source, at.site
	// The event store and webhooks hear of the outcome through the
	// spool's journal: the transport and the reroute go with it.
	res.TLS = queue.TLSInfo{Used: ev.TLS, Verified: ev.TLSVerified, Version: ev.TLSVersion, Cipher: ev.TLSCipher,
		Policy: ev.TLSPolicy, Result: ev.TLSResult}
	res.Rerouted = ev.Rerouted
	return res, ev
}

// verdict decides what becomes of recipient r after out: its event's
// kind, reply and retry time, and its spool outcome. throttleWait is the
// attempt's (attempt.throttleWait).
func (e *Engine) verdict(ev *Event, res *queue.Result, j *job, r queue.WorkRcpt, out rcptOutcome,
	throttleWait time.Duration, now time.Time) {
	err := out.err
	var sup errSuppressed
	var susp *errSuspended
	var nosrc *errNoSource
	switch {
	case errors.As(err, &sup):
		ev.Kind, ev.Reply = event.Suppressed, sup.Error()
		res.Outcome, res.Suppressed = queue.OutcomeFailed, true
	case errors.Is(err, errSiteHeld):
		// Not tried: no attempt counted, no step towards expiry.
		ev.Kind, ev.Reply = event.Deferred, err.Error()
		ev.Retry = now.Add(siteHoldRecheck)
		res.Outcome, res.RetryAt, res.Uncounted = queue.OutcomeDeferred, ev.Retry, true
	case errors.As(err, &susp) && !e.cfg.Retry.Expired(j.w.Created, now):
		// Not tried either: the site is suspended after repeated
		// connection failures. Retry at the end of the suspension or
		// at the usual time if sooner (the suspension lives in memory:
		// after a restart it is gone), without counting an attempt
		// (an operator's retry would otherwise cost every message one).
		ev.Kind, ev.Reply = event.Deferred, err.Error()
		ev.Retry = now.Add(e.cfg.Retry.Delay(int(r.Attempt)))
		if susp.until.Before(ev.Retry) {
			ev.Retry = susp.until
		}
		res.Outcome, res.RetryAt, res.Uncounted = queue.OutcomeDeferred, ev.Retry, true
	case errors.As(err, &nosrc) && !e.cfg.Retry.Expired(j.w.Created, now):
		// Not tried: no source of the pool may send to the site now
		// (warm-up, blocklist; source.go). It waits until one may.
		ev.Kind, ev.Reply, ev.Retry = event.Deferred, err.Error(), nosrc.until
		res.Outcome, res.RetryAt, res.Uncounted = queue.OutcomeDeferred, ev.Retry, true
	case err == nil:
		ev.Kind, ev.Reply = event.Delivered, out.reply
		ev.Code = 250
		res.Outcome = queue.OutcomeDelivered
	case outbound.IsPermanent(err): // the one rule: SMTP replies, DNS, network
		ev.Kind, ev.Reply = event.Failed, errText(err)
		res.Outcome = queue.OutcomeFailed
	case e.cfg.Retry.Expired(j.w.Created, now):
		ev.Kind, ev.Reply = event.Failed, "expired: "+errText(err)
		res.Outcome = queue.OutcomeFailed
	default:
		// The queue's retry delay; a throttle reply ("slow down") waits
		// at least until the site's backoff may step up (shaping's
		// step 7). The receiver's own temporary conditions (4.3.x,
		// 4.4.x, a full mailbox, greylisting) are no throttles: they
		// keep the usual delay, whatever state the site is in.
		delay := e.cfg.Retry.Delay(int(r.Attempt))
		if throttleWait > delay && isThrottle(err) {
			delay = throttleWait
		}
		ev.Kind, ev.Reply = event.Deferred, errText(err)
		ev.Retry = now.Add(delay)
		res.Outcome, res.RetryAt = queue.OutcomeDeferred, ev.Retry
	}
}

// record hands j's results to the completers, which write them to the
// spool (the connection goes on meanwhile), then emit their events, and
// free j's share of the ready queues' budget either way.
func (e *Engine) record(j *job, results []queue.Result, events []Event) {
	e.completes.Add(1)
	r := &e.recs
	r.mu.Lock()
	r.pending = append(r.pending, settled{w: &j.w, results: results, events: events})
	start := r.running < maxCompleters
	if start {
		r.running++
	}
	r.mu.Unlock()
	if start {
		go e.completer()
	}
}

// Settled outcomes reach the spool through at most maxCompleters
// goroutines (completer), each writing at once everything settled while
// the previous write ran, in one Complete. One Complete per message cost
// the spool's single writer a write request each (its closure, its own
// counters written, its own journal position) in the group commit; a
// burst of outcomes now costs one, and nothing waits for a batch to
// fill: a completer with nothing to write ends, the next outcome starts
// one. Two, not one, so that one Complete can wait in the writer's queue
// while the other commits: outcomes are never a whole commit behind the
// writer. A crash leaves what was not yet recorded in flight in the
// spool, delivered again after restart, as before.
const maxCompleters = 2

// recorder holds the outcomes waiting for a completer.
type recorder struct {
	mu      sync.Mutex
	pending []settled
	running int // completers running
}

// settled is one job's outcomes, for the spool and then the events.
type settled struct {
	w       *queue.Work
	results []queue.Result
	events  []Event
}

// completer writes the pending outcomes in batches until none is left.
func (e *Engine) completer() {
	r := &e.recs
	var batch []settled
	var results []queue.Result
	for {
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.running--
			r.mu.Unlock()
			return
		}
		// The buffers swap: pending takes this completer's last batch's.
		batch, r.pending = r.pending, batch[:0]
		r.mu.Unlock()
		results = results[:0]
		for i := range batch {
			results = append(results, batch[i].results...)
		}
		err := e.complete(results)
		if err != nil && !errors.Is(err, queue.ErrClosed) && len(batch) > 1 {
			// One job's outcomes the spool refuses (a damaged record)
			// must not keep the others in flight: each once more on
			// its own (the batch had complete's retries already).
			for i := range batch {
				e.finish(&batch[i], e.cfg.Store.Complete(context.Background(), batch[i].results))
			}
		} else {
			for i := range batch {
				e.finish(&batch[i], err)
			}
		}
		clear(results) // no references kept while idle
	}
}

// finish ends one job's recording: its events when the spool recorded
// its outcomes (err nil), its budget given back either way.
func (e *Engine) finish(s *settled, err error) {
	if err != nil {
		// The recipients stay in flight in the spool and are retried
		// after a restart: at worst delivered twice, never lost.
		e.log.Error("delivery: recording outcomes failed", "msgid", s.w.ID.String(), "tenant", s.w.Tenant, "err", err)
	} else {
		for _, ev := range s.events {
			e.emit(ev)
		}
	}
	e.release(s.w)
	*s = settled{}
	e.completes.Done()
}

// siteHoldRecheck is how soon mail of an operator-held site is looked at
// again.
const siteHoldRecheck = time.Minute

// complete records outcomes, retrying a failed write a few times (a full
// disk may clear): Complete is idempotent, and outcomes left unrecorded
// keep their recipients in flight until a restart.
func (e *Engine) complete(results []queue.Result) error {
	wait := 100 * time.Millisecond
	var err error
	for try := 0; try < 6; try++ {
		if err = e.cfg.Store.Complete(context.Background(), results); err == nil || errors.Is(err, queue.ErrClosed) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-e.workCtx.Done():
			t.Stop()
			return err
		}
		wait = min(2*wait, 3*time.Second)
	}
	return err
}

// release gives back the ready queues' budget held by w's recipients,
// settled (or gone), and wakes the scheduler.
func (e *Engine) release(w *queue.Work) {
	n := len(w.Rcpts)
	e.mu.Lock()
	pk := pendKey{w.Domain, w.Class}
	if e.pending[pk] -= n; e.pending[pk] <= 0 {
		delete(e.pending, pk)
	}
	e.mu.Unlock()
	e.inflight.Add(-int64(n))
	e.readyBytes.Add(-workBytes(w))
	e.released.Add(int64(n))
	e.kickOnly()
}

func (e *Engine) emit(ev Event) {
	attrs := []any{
		"msgid", ev.ID.String(), "tenant", ev.Tenant, "rcpt", ev.Rcpt, "rcpt_domain", ev.Domain,
		"attempt", ev.Attempt, "result", string(ev.Kind), "mx", ev.MX, "tls", ev.TLS, "source", ev.Source,
		"code", ev.Code, "reply", ev.Reply, "latency_ms", ev.Latency.Milliseconds(),
	}
	if ev.TLSVersion != 0 {
		attrs = append(attrs, "tls_version", tls.VersionName(ev.TLSVersion), "tls_cipher", tls.CipherSuiteName(ev.TLSCipher))
	}
	if ev.TLSPolicy != "" {
		attrs = append(attrs, "tls_policy", ev.TLSPolicy, "tls_policy_source", ev.TLSPolicySource,
			"tls_verified", ev.TLSVerified, "tls_result", ev.TLSResult)
		if ev.TLSPolicyError != "" {
			attrs = append(attrs, "tls_policy_error", ev.TLSPolicyError)
		}
	}
	if ev.Rerouted != "" {
		attrs = append(attrs, "rerouted", ev.Rerouted)
	}
	if ev.Kind == event.Deferred {
		attrs = append(attrs, "retry_at", ev.Retry.UTC().Format(time.RFC3339))
	}
	e.log.Info("delivery", attrs...)
	if f := e.cfg.OnEvent; f != nil {
		f(ev)
	}
}

// setTLSPolicy fills ev's TLS policy fields from the attempt, or from
// err when the policy refused the connection (a policyError).
// An exempt TLS report's connection is named as such.
func (ev *Event) setTLSPolicy(at attempt, err error) {
	if at.exempt {
		ev.TLSPolicy, ev.TLSPolicySource = "exempt", "tls-report"
		return
	}
	p := at.policy
	pp := policyOf(err)
	if pp != nil {
		p = pp
	}
	if p == nil {
		return
	}
	ev.TLSPolicy, ev.TLSPolicySource = p.Name(), string(p.Source)
	ev.TLSVerified = at.verified && at.policy != nil
	if at.policyErr != nil {
		ev.TLSPolicyError = at.policyErr.Error()
	}
	switch {
	case pp != nil && errors.Is(err, tlspolicy.ErrDANELookup):
		ev.TLSResult = string(tlspolicy.ResultDNSSECInvalid)
	case pp != nil:
		ev.TLSResult = string(tlspolicy.Classify(err))
	default:
		ev.TLSResult = string(tlspolicy.Classify(at.policyErr))
	}
}

// MaxRerouted bounds Event.Rerouted in bytes, as the spool's journal and
// the events store do.
const MaxRerouted = 256

// clipRerouted cuts why to MaxRerouted bytes at a rune boundary.
func clipRerouted(why string) string {
	if len(why) <= MaxRerouted {
		return why
	}
	i := MaxRerouted
	for i > 0 && !utf8.RuneStart(why[i]) {
		i--
	}
	return why[:i]
}
