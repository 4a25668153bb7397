package inbound

import (
	"context"

	"sluice/mta/bounce"
	"sluice/queue"
)

// TrackingTokens opens the URL-form tracking tokens sluice puts in each
// recipient's copy (List-Unsubscribe /u/<token>, click /c/<token>, open
// pixel /o/<token>.gif; see tracking/token). ok is false for anything
// that does not verify.
type TrackingTokens interface {
	OpenTracking(tok string) (tenant string, id queue.ID, idx uint32, ok bool)
}

// The values of Event.Via.
const (
	// ViaVERP: the envelope recipient was our VERP address.
	ViaVERP = "verp"
	// ViaVERPHeader: a VERP address in the returned headers.
	ViaVERPHeader = "verp_header"
	// ViaToken: a tracking or mailto token in the returned copy.
	ViaToken = "token"
	// ViaFBLProvider: our message id and the address the report names, in
	// a report DKIM-signed by a configured feedback-loop provider.
	ViaFBLProvider = "fbl_provider"
	// ViaMessageIDUnverified: our message id and the address the report
	// names, and nothing a forger could not write: reported, not applied.
	ViaMessageIDUnverified = "message_id_unverified"
)

// attribution ties a result to one recipient of ours. trusted says the
// evidence is something a stranger cannot make for another person (a MAC'd
// token, or a report vouched for by a configured provider); only then may
// the result change the recipient's state. why explains an untrusted one.
type attribution struct {
	rec     queue.Recipient
	via     string
	trusted bool
	why     string
	// linkOnly says the only proof is a link token: a tracking URL (click,
	// open, one-click unsubscribe page) or the mailto unsubscribe address
	// of the recipient's copy. See Policy.ApplyLinkProven.
	linkOnly bool
}

// proof is what one return carries that a forger cannot produce for
// someone else, gathered once per return.
type proof struct {
	ev *evidence
	// tokens are the distinct recipients named by verified tokens in the
	// returned copy, of any kind; bounceTokens those named by VERP (b.)
	// tokens alone.
	tokens, bounceTokens []queue.Recipient

	raw []byte
	// feedback is the report's structure, read once (feedbackRead) for
	// the provider path.
	feedback     feedbackFacts
	feedbackErr  error
	feedbackRead bool

	checked    bool   // provider authentication has run
	provider   string // the entry that vouched, "" if none
	notVouched string // why no provider vouched

	// foreign is a message id of another fleet node that an attribution
	// route named and this node's directory does not know (noteForeign):
	// where the return goes when nothing attributes it here.
	// foreignProven says a route a stranger cannot forge named it.
	foreign       queue.ID
	foreignProven bool
}

// gatherProof searches the returned copy for tokens and verifies them.
func (w *Worker) gatherProof(raw []byte) *proof {
	p := &proof{ev: findEvidence(raw), raw: raw}
	seen := map[[2]uint64]bool{}
	seenBounce := map[[2]uint64]bool{}
	for _, c := range p.ev.tokens {
		rec, ok := w.openCandidate(p, c)
		if !ok {
			continue
		}
		k := [2]uint64{uint64(rec.ID), uint64(rec.Index)}
		if !seen[k] {
			seen[k] = true
			p.tokens = append(p.tokens, rec)
		}
		if c.kind == tokBounce && !seenBounce[k] {
			seenBounce[k] = true
			p.bounceTokens = append(p.bounceTokens, rec)
		}
	}
	return p
}

// openCandidate verifies one candidate and looks its recipient up. A URL
// token names its tenant: a token whose tenant is not the directory's is
// refused, so one tenant's token never acts on another tenant's recipient.
// A verified token of another fleet node's message is noted in p.
func (w *Worker) openCandidate(p *proof, c candidate) (queue.Recipient, bool) {
	var id queue.ID
	var idx uint32
	var tenant string
	var ok bool
	switch c.kind {
	case tokURL:
		if w.cfg.Tracking == nil {
			return queue.Recipient{}, false
		}
		tenant, id, idx, ok = w.cfg.Tracking.OpenTracking(c.tok)
	case tokBounce:
		id, idx, ok = w.cfg.Tokens.OpenBounce(c.tok)
	case tokMailUnsub:
		id, idx, ok = w.cfg.Tokens.OpenUnsubscribe(c.tok)
	}
	if !ok {
		return queue.Recipient{}, false
	}
	rec, ok := w.cfg.Store.LookupRecipient(id, idx)
	if !ok {
		w.noteForeign(p, id, true)
	}
	if !ok || (c.kind == tokURL && rec.Tenant != tenant) {
		return queue.Recipient{}, false
	}
	return rec, true
}

// vouched runs the provider authentication once per return, only when a
// result needs it (it costs DNS lookups).
func (w *Worker) vouched(ctx context.Context, p *proof) string {
	if !p.checked {
		p.checked = true
		p.provider, p.notVouched = w.cfg.FBL.Authenticate(ctx, p.raw)
	}
	return p.provider
}

// attribute ties a result to one recipient of ours, strongest evidence
// first:
//  1. the envelope VERP token, then a VERP address in the returned headers;
//  2. a token in the returned copy (the one naming the reported address,
//     or the only recipient the tokens name): for a complaint any token,
//     for anything else a VERP (b.) token only. Tracking URLs and the
//     mailto unsubscribe address are in the recipient's copy for anyone it
//     reaches (link scanners, proxies, forwards, shared "view online"
//     links): they may say the recipient complained, never that the
//     address is undeliverable, and a complaint they alone prove
//     (linkOnly) weighs no more than the one-click unsubscribe the same
//     links already allow (Policy.ApplyLinkProven); only the envelope
//     sender's VERP address travels with a bounce;
//  3. for a complaint, the word of a configured feedback-loop provider
//     about a message that left through us (providerVouched);
//  4. our queue id in the return and the address the report names: kept
//     for events and statistics, never applied.
//
// A route that names another fleet node's message, unknown here, notes
// it in p (noteForeign): process hands the return to that node when no
// route attributes it here.
//
// Message ids are clock-based and every co-recipient sees one: anybody can
// write a report naming an id and someone else's address.
func (w *Worker) attribute(ctx context.Context, res bounce.Result, verp *queue.Recipient, p *proof) (attribution, bool) {
	if verp != nil {
		return attribution{rec: *verp, via: ViaVERP, trusted: true}, true
	}
	if v := res.VERP; hasPrefixFold(v, "b.") {
		if id, idx, ok := w.cfg.Tokens.OpenBounce(v[2:]); ok {
			if rec, ok := w.cfg.Store.LookupRecipient(id, idx); ok {
				return attribution{rec: rec, via: ViaVERPHeader, trusted: true}, true
			}
			w.noteForeign(p, id, true)
		}
	}
	toks := p.bounceTokens
	if res.Class == bounce.Complaint {
		toks = p.tokens
	}
	if rec, ok := tokenRecipient(toks, res.Recipient); ok {
		return attribution{rec: rec, via: ViaToken, trusted: true, linkOnly: !hasRecipient(p.bounceTokens, rec)}, true
	}
	notVouched := ""
	if res.Class == bounce.Complaint {
		at, ok, why := w.providerVouched(ctx, res, p)
		if ok {
			return at, true
		}
		notVouched = why
	}
	if res.MessageID == "" {
		return attribution{}, false
	}
	id, err := queue.ParseID(res.MessageID)
	if err != nil {
		return attribution{}, false
	}
	rec, named := w.cfg.Store.FindRecipient(id, res.Recipient)
	if !named {
		w.noteForeign(p, id, false)
		return attribution{}, false
	}
	why := "message id only: no VERP address or token of the recipient in the return"
	if len(p.tokens) > 1 {
		why = "message id only: the tokens in the return name several recipients, none the reported one"
	}
	if notVouched != "" {
		why += "; not vouched for by a configured fbl provider (" + notVouched + ")"
	}
	return attribution{rec: rec, via: ViaMessageIDUnverified, why: why}, true
}

// providerVouched attributes a complaint on the word of a configured
// feedback-loop provider, or says why it cannot. The provider's signature
// proves who wrote the report, not that the reported message was ours:
// anybody can send the provider a message naming our id and someone
// else's address, report it as spam and forward the signed report. So
//   - the report's Source-IP (RFC 5965 §3.2), which the provider writes,
//     must be one of our sending addresses (WorkerConfig.SendingIPs; none
//     configured, and the provider path vouches for nothing); and
//   - the message id comes from the returned copy inside the signed body
//     (its X-Sluice-ID), never from the report's own header fields, which a
//     forwarder can add to unsigned (In-Reply-To, References); the
//     recipient is an Original-Rcpt-To of the signed machine part, else the
//     one recipient of that id among the copy's To addresses.
//
// The checks that need no network come first: a stranger's report costs
// no DNS lookup unless it names one of our addresses.
func (w *Worker) providerVouched(ctx context.Context, res bounce.Result, p *proof) (attribution, bool, string) {
	if w.cfg.FBL == nil || len(w.cfg.FBL.providers) == 0 {
		return attribution{}, false, "no fbl providers configured"
	}
	if len(w.cfg.SendingIPs) == 0 {
		return attribution{}, false, "no sending addresses configured"
	}
	if !p.feedbackRead {
		p.feedbackRead = true
		p.feedback, p.feedbackErr = readFeedback(p.raw)
	}
	f := p.feedback
	if p.feedbackErr != nil {
		return attribution{}, false, p.feedbackErr.Error()
	}
	if !ours(f.sourceIP, w.cfg.SendingIPs) {
		return attribution{}, false, "Source-IP " + f.sourceIP.String() + " is not one of our sending addresses"
	}
	if res.Recipient != "" && !f.named(res.Recipient) {
		return attribution{}, false, "the reported address is not an Original-Rcpt-To of the report"
	}
	if w.vouched(ctx, p) == "" {
		return attribution{}, false, p.notVouched
	}
	rec, named := w.cfg.Store.FindRecipient(f.id, res.Recipient)
	if !named && res.Recipient == "" {
		rec, named = w.returnedTo(f.id, f.copyTo)
	}
	if !named {
		w.noteForeign(p, f.id, true)
		return attribution{}, false, "the returned copy's message names no such recipient"
	}
	return attribution{rec: rec, via: ViaFBLProvider, trusted: true}, true, ""
}

// tokenRecipient picks the recipient the tokens prove: the one whose
// address the report names, else the only one they name.
func tokenRecipient(recs []queue.Recipient, reported string) (queue.Recipient, bool) {
	if reported != "" {
		for _, r := range recs {
			if sameAddr(r.Addr, reported) {
				return r, true
			}
		}
	}
	if len(recs) == 1 {
		return recs[0], true
	}
	return queue.Recipient{}, false
}

// sameAddr reports whether a and b are one mailbox: equal in the
// suppressions' canonical form (queue.NormalizeAddr: case, a trailing
// dot, the U-label or A-label of the domain), as a report may write the
// address otherwise than we sent it.
func sameAddr(a, b string) bool { return queue.NormalizeAddr(a) == queue.NormalizeAddr(b) }

// hasRecipient reports whether recs holds rec's recipient.
func hasRecipient(recs []queue.Recipient, rec queue.Recipient) bool {
	for _, r := range recs {
		if r.ID == rec.ID && r.Index == rec.Index {
			return true
		}
	}
	return false
}

// returnedTo finds the one recipient of message id among the To addresses
// of the returned copy; several (or none) is no answer.
func (w *Worker) returnedTo(id queue.ID, addrs []string) (queue.Recipient, bool) {
	var found []queue.Recipient
	for _, a := range addrs {
		if rec, ok := w.cfg.Store.FindRecipient(id, a); ok {
			dup := false
			for _, f := range found {
				dup = dup || f.Index == rec.Index
			}
			if !dup {
				found = append(found, rec)
			}
		}
	}
	if len(found) != 1 {
		return queue.Recipient{}, false
	}
	return found[0], true
}
